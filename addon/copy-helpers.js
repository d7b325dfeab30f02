// prebuildify packs only *.node files; the helper executable ships beside it in the same folder.
'use strict';
const fs = require('fs');
const path = require('path');
const dest = path.join(__dirname, '..', 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dest, { recursive: true });
fs.copyFileSync(path.join(__dirname, '..', 'build', 'Release', 'podrun-helper'), path.join(dest, 'podrun-helper'));
fs.chmodSync(path.join(dest, 'podrun-helper'), 0o755);
