// What `podrun exec` needs: find the pod record and the container, check the container's process
// is the one recorded (pid + start time), and turn the plan + flags into podrun-helper's argv.
// Kept free of heavy imports: `exec` is on the benchmark's hot path (node start + this + helper).
import { ConflictError, NotFoundError, UsageError } from '../util/errors';
import type { PlannedContainer } from '../plan/types';
// Submodules rather than '../state' (index): exec loads only what it uses.
import { readContainerState, liveContainerProcess, type PodRecord } from '../state/records';
import type { ProcessIdentity } from '../state/proc';
import { parsePodAddress, type PodAddress } from '../state/address';
import { resolveUser } from './users';

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** `POD`, `POD/CONTAINER` or `pod/POD`, plus `-c CONTAINER` (which must agree with the slash form). */
export function containerAddress(arg: string | undefined, cFlag: string | undefined, namespace: string, usage: string): PodAddress {
  if (!arg) throw new UsageError('a pod name is required', `usage: ${usage}`);
  const a = parsePodAddress(arg, namespace, { allowContainer: true });
  if (cFlag !== undefined && a.container !== undefined && cFlag !== a.container)
    throw new UsageError(`'${arg}' and -c ${cFlag} name different containers`, 'name the container once');
  return cFlag !== undefined ? { ...a, container: cFlag } : a;
}

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
    const c = cs.find((x) => x.name === name);
    if (!c) throw new NotFoundError(`container "${name}" is not in pod "${podName}"`, `choose one of: ${names.join(', ')}`);
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
  const st = readContainerState(c);
  const id = liveContainerProcess(st);
  if (id) return id;
  const what = `container "${c.name}" in pod "${podName}" is not running`;
  if (!st || st.pid === undefined) throw new ConflictError(`${what} (it has not started)`, `see 'podrun describe pod ${podName}'`);
  const how =
    st.exitCode !== undefined ? ` (exited with code ${st.exitCode}${st.reason ? `, ${st.reason}` : ''})` : st.finishedAt ? '' : ' (its process is gone)';
  throw new ConflictError(`${what}${how}`, `see 'podrun logs ${podName}/${c.name}'`);
}

export interface ExecOptions {
  tty: boolean;
  stdin: boolean;
  workdir?: string;
  /** `K=V` overrides, in order. */
  env: string[];
  command: string[];
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment the command gets: the container's planned env, then -e overrides (same name replaces). */
export function execEnv(c: PlannedContainer, overrides: string[], tty: boolean): string[] {
  const env = new Map<string, string>();
  for (const e of c.env) env.set(e.name, e.value);
  // docker exec does the same: a PATH when the image has none, TERM for a terminal
  if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH.slice(5));
  if (tty && !env.has('TERM')) env.set('TERM', 'xterm');
  for (const kv of overrides) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`-e ${kv}: expected NAME=value`, 'e.g. -e DEBUG=1');
    env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** podrun-helper's argv for `exec` (docs/protocol.md, "exec"). */
export function helperExecArgs(podName: string, c: PlannedContainer, proc: ProcessIdentity, o: ExecOptions): string[] {
  if (o.command.length === 0) throw new UsageError('no command given', 'put the command after --, e.g. podrun exec web -- sh');
  if (o.workdir !== undefined && !o.workdir.startsWith('/'))
    throw new UsageError(`-w ${o.workdir}: the working directory must be an absolute path`);
  const args = ['exec', '--pid', String(proc.pid), '--start-time', String(proc.startTime)];
  if (o.tty) args.push('--tty');
  if (o.stdin) args.push('--stdin');
  const cwd = o.workdir ?? (c.workingDir || '/');
  args.push('--cwd', cwd);
  // The same resolution apply used for the container (names and group membership from the
  // image's own /etc/passwd and /etc/group), so exec runs as the container's user.
  const u = resolveUser(c.user, c.image.layerDirs ?? [], { pod: podName, container: c.name, image: c.image.ref });
  args.push('--user', `${u.uid}:${u.gid}${u.groups.length ? `:${u.groups.join(',')}` : ''}`);
  for (const kv of execEnv(c, o.env, o.tty)) args.push('--env', kv);
  args.push('--', ...o.command);
  return args;
}
