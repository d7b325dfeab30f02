// docker's `save > file`, `load < file`, `import - NAME`: the archive code reads and writes
// regular files (it checks what it opens, seeks, renames into place), so stdin is first copied to
// a temp file in the image store and stdout is fed from one. The temp file is the store's own
// kind (images/tmp, named by this process), so a podrun killed meanwhile leaves nothing that
// `image prune` does not remove.
import { createReadStream, createWriteStream } from 'fs';
import { rm } from 'fs/promises';
import { pipeline } from 'stream/promises';
import { PodrunError, UsageError } from '../util/errors';
import type { ImageStore } from '../images/store';

/** Runs FN on a temp file holding all of stdin; in FN's errors the temp path reads `-`. */
export async function withStdinFile<T>(store: ImageStore, kind: string, fn: (path: string) => Promise<T>): Promise<T> {
  if (process.stdin.isTTY) throw new UsageError('podrun reads the archive from stdin, but stdin is a terminal', 'redirect a file in (< image.tar), or name the file');
  const tmp = store.tempPath(kind);
  try {
    await pipeline(process.stdin, createWriteStream(tmp, { mode: 0o600 }));
    return await fn(tmp);
  } catch (e) {
    if (e instanceof PodrunError) e.message = e.message.split(tmp).join('-');
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Runs FN with a temp path to write, then copies what it wrote to stdout. */
export async function toStdout(store: ImageStore, kind: string, fn: (path: string) => Promise<unknown>): Promise<void> {
  if (process.stdout.isTTY) throw new UsageError('cowardly refusing to save to a terminal', 'use the -o flag or redirect (> image.tar)'); // docker's words
  const tmp = store.tempPath(kind);
  try {
    await fn(tmp);
    await pipeline(createReadStream(tmp), process.stdout, { end: false });
  } finally {
    await rm(tmp, { force: true });
  }
}
