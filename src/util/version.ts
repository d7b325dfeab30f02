// podrun's version, from package.json at the root of the install.
import { readFileSync } from 'fs';
import { join } from 'path';
import { installRoot } from './paths';

export function podrunVersion(): string {
  return (JSON.parse(readFileSync(join(installRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
