// `podrun commit`: a new image = the container's image + one layer made from the container's
// overlay upper dir. Overlay whiteouts become OCI whiteouts (layerdiff); the init layer's files
// are left out, and volumes never reach the upper dir (they are bind mounts over it), so a volume
// shows up only as its empty mount-point directory, as with `docker commit`.
//
// The upper dir belongs to a running container, so it is read with the pod frozen (its cgroup's
// freezer, `--pause`, the default, as `docker commit` pauses) and walked by fds that never follow
// a symlink (layerdiff.ts): a container swapping names under the walk cannot lead it out of the
// tree, and with the freezer it cannot change the tree at all (docs/security.md, escape 2).
import { createWriteStream, existsSync, rmSync } from 'fs';
import { rm } from 'fs/promises';
import { finished } from 'stream/promises';
import { PodrunError } from '../util/errors';
import type { Paths } from '../util/paths';
import type { PlannedContainer } from '../plan/types';
import type { ImageRecord } from '../images/store';
import type { PodRecord } from '../state/pod-records';
import { withPodLock } from '../state/lock';
import { isFrozen, thaw, whileFrozen } from './cgroup';

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
  /** Freeze the pod while its upper dir is read (default true). */
  pause?: boolean;
  /** Gets warnings meant for the user (a left-over freeze thawed). */
  warn?: (msg: string) => void;
  /** How long the freeze may take; default freezeTimeoutMs(). */
  freezeTimeoutMs?: number;
}

export async function commitContainer(paths: Paths, rec: PodRecord, c: PlannedContainer, opts: CommitOptions): Promise<ImageRecord> {
  const base = c.image.imageId;
  const pod = `pod/${rec.plan.name}`;
  if (!base) throw new PodrunError(`container "${c.name}" has no resolved image to build on`, 'the pod record is from a dry run or damaged; re-apply the pod');
  if (!existsSync(c.dirs.upper))
    throw new PodrunError(`container "${c.name}" has no upper dir at ${c.dirs.upper}`, 'the container has not been started, or the pod is being deleted');
  const cg = rec.plan.cgroup;
  const pause = opts.pause !== false;
  if (pause && !cg)
    throw new PodrunError(
      `${pod} has no cgroup to freeze while committing (it was applied by a podrun without cgroups, or on a host with no usable cgroup hierarchy)`,
      're-apply the pod, or commit with --pause=false (then a container that writes meanwhile may be caught mid-change)',
    );
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
  const archive = async () => {
    const out = createWriteStream(tmp, { mode: 0o600 });
    await writeLayerTar(c.dirs.upper, out, { overlayUpper: true, exclude: INIT_LAYER_FILES });
    if (!out.writableEnded) out.end();
    await finished(out);
  };
  try {
    // Under the pod lock, as every change to a pod: no delete or re-apply removes the upper dir
    // meanwhile, and a freeze found while holding it was left by a commit that was killed.
    await withPodLock(
      paths,
      rec.plan.key,
      async () => {
        if (cg && isFrozen(cg)) {
          thaw(cg);
          opts.warn?.(`${pod} was left frozen by a podrun commit that did not finish; thawed it`);
        }
        if (pause && cg) await whileFrozen(cg, pod, archive, { timeoutMs: opts.freezeTimeoutMs, onSignal: () => rmSync(tmp, { force: true }) });
        else await archive();
      },
      { label: rec.plan.name },
    );
    // The layer is ours now: the container runs on while it is compressed and stored.
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
