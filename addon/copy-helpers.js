// prebuildify packs only *.node files; the helper executables ship beside it in the same folder.
'use strict';
const fs = require('fs');
const path = require('path');
const dest = path.join(__dirname, '..', 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dest, { recursive: true });
for (const exe of ['podrun-helper', 'podrun-pause']) {
  fs.copyFileSync(path.join(__dirname, '..', 'build', 'Release', exe), path.join(dest, exe));
  fs.chmodSync(path.join(dest, exe), 0o755);
}
