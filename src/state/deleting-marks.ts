// `<runRoot>/deleting/<key>`: the pods a delete (or a re-creating apply) began to remove and has
// not finished; runtime/finish-deletes.ts finishes those whose command was cut short.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import type { Paths } from '../util/paths';

const markDir = (paths: Paths) => join(paths.runRoot, 'deleting');

export function markDeleting(paths: Paths, key: string): void {
  mkdirSync(markDir(paths), { recursive: true, mode: 0o700 });
  writeFileSync(join(markDir(paths), key), '', { mode: 0o600 });
}

export function unmarkDeleting(paths: Paths, key: string): void {
  rmSync(join(markDir(paths), key), { force: true });
}

/** The keys of pods a delete began and did not finish. */
export function markedDeletes(paths: Paths): string[] {
  try {
    return readdirSync(markDir(paths));
  } catch {
    return [];
  }
}

