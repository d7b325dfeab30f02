// Where podrun-helper is: beside the addon, in the same build.
import { existsSync } from 'fs';
import { join } from 'path';
import { PodrunError } from '../../util/errors';
import { nativeDirs } from '../../util/native';

export function helperPath(): string {
  const candidates = nativeDirs().map((d) => join(d, 'podrun-helper'));
  for (const c of candidates) if (existsSync(c)) return c;
  throw new PodrunError(
    `podrun-helper not found, checked: ${candidates.join(', ')}`,
    'run `npm ci` (or `npm run build:native`) in the podrun folder to build it',
  );
}
