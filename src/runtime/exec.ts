// What `exec`, `logs` and `commit` need to find a container: the record's container (named, the
// default-container annotation, or the first), its process if it runs now (pid + start time),
// and the user it runs as, as recorded in the plan.
// Kept free of heavy imports: `exec` is on the benchmark's hot path (node start + this + helper).
import { findContainer } from '../plan/containers';
import { ConflictError, UsageError } from '../util/errors';
import type { PlannedContainer, PlannedUser } from '../plan/types';
import type { PodRecord } from '../state/pod-records';
import type { Paths } from '../util/paths';
import type { ProcessIdentity } from '../state/proc';
import { helper, liveContainerProcess } from './helper';

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/**
 * Picks the container: the one named, else the default-container annotation, else (when
 * `firstByDefault`, as kubectl exec does) the first; with several and no default, an error
 * listing them.
 */
export function pickContainer(
  rec: Pick<PodRecord, 'manifest' | 'plan'>,
  name: string | undefined,
  firstByDefault: boolean,
): { container: PlannedContainer; defaulted?: string } {
  const cs = rec.plan.containers;
  const names = cs.map((c) => c.name);
  const podName = rec.plan.name;
  if (name) {
    // As kubectl: -c may name an init container too; a name alone never picks one.
    const c = findContainer(rec.plan, name)?.c;
    const inits = (rec.plan.initContainers ?? []).map((x) => x.name);
    // bad input (the pod is there, the name is wrong): exit 2, as every command's bad arguments
    if (!c) throw new UsageError(`container "${name}" is not in pod "${podName}"`, `choose one of: ${names.join(', ')}${inits.length ? ` or one of the init containers: ${inits.join(', ')}` : ''}`);
    return { container: c };
  }
  const ann = rec.manifest.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const byAnn = ann ? cs.find((x) => x.name === ann) : undefined;
  if (byAnn) return { container: byAnn };
  if (cs.length === 1) return { container: cs[0] };
  if (!firstByDefault)
    throw new UsageError(
      `pod "${podName}" has several containers: ${names.join(', ')}; choose one`,
      `use ${podName}/${names[0]} or -c ${names[0]}`,
    );
  return { container: cs[0], defaulted: `Defaulted container "${cs[0].name}" out of: ${names.join(', ')}` };
}

/** The container's process if it runs now (pid + start time verified); otherwise a ConflictError saying why not. */
export function requireRunningContainer(podName: string, c: PlannedContainer): ProcessIdentity {
  const st = helper.readContainerState(c);
  const id = liveContainerProcess(st);
  if (id) return id;
  const what = `container "${c.name}" in pod "${podName}" is not running`;
  if (!st || st.pid === undefined) throw new ConflictError(`${what} (it has not started)`, `see 'podrun describe pod ${podName}'`);
  const how =
    st.exitCode !== undefined ? ` (exited with code ${st.exitCode}${st.reason ? `, ${st.reason}` : ''})` : st.finishedAt ? '' : ' (its process is gone)';
  throw new ConflictError(`${what}${how}`, `see 'podrun logs ${podName}/${c.name}'`);
}

/**
 * The user the container runs as: recorded in the plan. A pod made by podrun 0.1 recorded only
 * what the manifest asked for; its names are resolved against the image, as podrun 0.1 did.
 */
export function containerUser(c: PlannedContainer): PlannedUser {
  if (c.user) return c.user;
  const { imageAccounts } = require('./facts') as typeof import('./facts');
  const { parseImageUser, resolveUser } = require('../plan/users') as typeof import('../plan/users');
  const legacy = (c as { legacyUserRequest?: import('../plan/users').UserRequest }).legacyUserRequest;
  const r = resolveUser(legacy ?? parseImageUser(c.image.config?.User), imageAccounts(c.image.layerDirs ?? []));
  return 'user' in r ? r.user : { uid: 0, gid: 0, groups: [] };
}

/**
 * A process exec'd into a frozen cgroup would freeze before it ran: refuse while a commit holds
 * the pod (frozen and locked, as docker refuses exec into a paused container), and thaw a freeze
 * a killed commit left behind (frozen, yet the lock is free). One read when not frozen.
 */
export function thawLeftOverFreeze(paths: Paths, rec: Pick<PodRecord, 'plan'>, warn: (msg: string) => void): void {
  const cg = rec.plan.cgroup;
  if (!cg) return;
  const { isFrozen, thaw } = require('./cgroup') as typeof import('./cgroup');
  if (!isFrozen(cg)) return;
  const { lockPod } = require('../state/lock') as typeof import('../state/lock');
  let release: () => void;
  try {
    release = lockPod(paths, rec.plan.key, rec.plan.name);
  } catch (e) {
    if (e instanceof ConflictError)
      throw new ConflictError(`pod "${rec.plan.name}" is frozen while another podrun command (a commit) reads it`, 'run exec again once that command has finished');
    throw e;
  }
  try {
    if (isFrozen(cg)) {
      thaw(cg);
      warn(`pod/${rec.plan.name} was left frozen by a podrun commit that did not finish; thawed it`);
    }
  } finally {
    release();
  }
}
