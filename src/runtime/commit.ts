// `podrun commit`: a new image = the container's image + one layer made from the container's
// overlay upper dir. Overlay whiteouts become OCI whiteouts (layerdiff); the init layer's files
// are left out, and volumes never reach the upper dir (they are bind mounts over it), so a volume
// shows up only as its empty mount-point directory, as with `docker commit`.
import { createWriteStream, existsSync } from 'fs';
import { rm } from 'fs/promises';
import { finished } from 'stream/promises';
import { PodrunError } from '../util/errors';
import type { Paths } from '../util/paths';
import type { PlannedContainer } from '../plan/types';
import type { ImageRecord } from '../images/store';

/** Files the runtime puts in every container through the pod's init layer, not the image's. */
export const INIT_LAYER_FILES = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];

export interface CommitOptions {
  /** NAME[:TAG] of the new image. */
  tag: string;
  /** History comment (-m). */
  message?: string;
  author?: string;
  /** Dockerfile-like instructions (--change) applied over the base image's config. */
  changes?: string[];
  /** `POD/CONTAINER` for the history's created_by. */
  source: string;
}

export async function commitContainer(paths: Paths, c: PlannedContainer, opts: CommitOptions): Promise<ImageRecord> {
  const base = c.image.imageId;
  if (!base) throw new PodrunError(`container "${c.name}" has no resolved image to build on`, 'the pod record is from a dry run or damaged; re-apply the pod');
  if (!existsSync(c.dirs.upper))
    throw new PodrunError(`container "${c.name}" has no upper dir at ${c.dirs.upper}`, 'the container has not been started, or the pod is being deleted');
  const { openStore } = require('../images/store') as typeof import('../images/store');
  const { createImage } = require('../images/create') as typeof import('../images/create');
  const { writeLayerTar } = require('../images/layerdiff') as typeof import('../images/layerdiff');
  const store = openStore(paths);
  // fail before the (possibly long) archive step when the base image was removed (rmi --force)
  const baseRec = store.get(base);
  let config;
  if (opts.changes?.length) {
    // ENV/LABEL/EXPOSE add to the base's lists, so the changes start from the base config
    const { parseChanges } = require('../images/changes') as typeof import('../images/changes');
    config = parseChanges(opts.changes, (await store.readImage(baseRec)).config.config ?? {});
  }
  const tmp = store.tempPath('commit.tar');
  try {
    const out = createWriteStream(tmp, { mode: 0o600 });
    await writeLayerTar(c.dirs.upper, out, { overlayUpper: true, exclude: INIT_LAYER_FILES });
    if (!out.writableEnded) out.end();
    await finished(out);
    return await createImage(store, {
      base,
      layers: [{ path: tmp }],
      config,
      comment: opts.message,
      author: opts.author,
      createdBy: `podrun commit ${opts.source}`,
      tag: opts.tag,
    });
  } finally {
    await rm(tmp, { force: true });
  }
}
