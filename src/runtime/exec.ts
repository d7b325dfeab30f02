// What `podrun exec` needs: find the pod record and the container, check the container's process
// is the one recorded (pid + start time), and turn the plan + flags into podrun-helper's argv.
// Kept free of heavy imports: `exec` is on the benchmark's hot path (node start + this + helper).
import { readFileSync } from 'fs';
import { join } from 'path';
import { ConflictError, NotFoundError, PodrunError, UsageError } from '../errors';
import type { Paths } from '../paths';
import type { PlannedContainer, PodPlan } from '../plan/types';

/** The parts of `<root>/pods/<key>/pod.json` (docs/protocol.md) that exec/logs/commit read. */
export interface PodRecordView {
  manifest: { metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> } };
  plan: PodPlan;
}

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** `POD`, `POD/CONTAINER`, plus `-c CONTAINER` (which must agree with the slash form). */
export function parsePodRef(ref: string | undefined, cFlag: string | undefined, usage: string): { pod: string; container?: string } {
  if (!ref) throw new UsageError('a pod name is required', `usage: ${usage}`);
  const slash = ref.indexOf('/');
  let pod = ref;
  let container = cFlag;
  if (slash >= 0) {
    pod = ref.slice(0, slash);
    const c = ref.slice(slash + 1);
    // kubectl's `pod/NAME` resource form
    if (pod === 'pod' || pod === 'pods' || pod === 'po') {
      pod = c;
    } else {
      if (!c) throw new UsageError(`'${ref}': the container name after '/' is empty`, `usage: ${usage}`);
      if (cFlag && cFlag !== c) throw new UsageError(`'${ref}' and -c ${cFlag} name different containers`, 'give the container once');
      container = c;
    }
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(pod) || pod.length > 253)
    throw new UsageError(`'${pod}' is not a valid pod name`, 'pod names are lower-case DNS names, e.g. web-1');
  return { pod, container };
}

/** Reads the pod record; NotFoundError naming the namespace when the pod does not exist. */
export function loadPodRecord(paths: Paths, namespace: string, name: string): PodRecordView {
  const file = join(paths.root, 'pods', `${namespace}_${name}`, 'pod.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new NotFoundError(`pod "${name}" not found in namespace "${namespace}"`, "list pods with 'podrun get pods -A'");
    throw e;
  }
  try {
    const rec = JSON.parse(text) as PodRecordView;
    if (!rec.plan || !Array.isArray(rec.plan.containers)) throw new Error('no plan.containers');
    return rec;
  } catch (e) {
    throw new PodrunError(`${file}: unreadable pod record (${(e as Error).message})`, `delete the pod with 'podrun delete pod ${name} -n ${namespace}'`);
  }
}

/**
 * Picks the container: the one named, else the default-container annotation, else (when
 * `firstByDefault`, as kubectl exec does) the first; with several and no default, an error
 * listing them.
 */
export function pickContainer(
  rec: PodRecordView,
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

/** A container's `state.json` as the monitor writes it (docs/protocol.md). */
export interface ContainerStateFile {
  pid?: number;
  startTime?: number;
  startedAt?: string;
  exitCode?: number;
  signal?: number | null;
  finishedAt?: string;
  reason?: string;
}

export function readContainerState(file: string): ContainerStateFile | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ContainerStateFile;
  } catch {
    return undefined;
  }
}

/** Field 22 (starttime) and the state letter of /proc/PID/stat, or undefined if there is no such process. */
export function procStat(pid: number): { startTime: number; state: string } | undefined {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and ')': fields are counted after the last ')'
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], startTime: Number(f[19]) };
}

/** Alive means: the pid exists, has the recorded start time, and is not a zombie. */
export function isAlive(pid: number, startTime: number): boolean {
  const st = procStat(pid);
  return !!st && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}

/** The container's process, if it runs now; otherwise a ConflictError saying what state it is in. */
export function runningProcess(podName: string, c: PlannedContainer): { pid: number; startTime: number } {
  const st = readContainerState(c.dirs.state);
  const what = `container "${c.name}" in pod "${podName}"`;
  if (!st || st.pid === undefined || st.startTime === undefined)
    throw new ConflictError(`${what} is not running (it has not started)`, `see 'podrun describe pod ${podName}'`);
  if (st.finishedAt !== undefined || !isAlive(st.pid, st.startTime))
    throw new ConflictError(
      `${what} is not running${st.exitCode !== undefined ? ` (exited with code ${st.exitCode}${st.reason ? `, ${st.reason}` : ''})` : ''}`,
      `see 'podrun logs ${podName}/${c.name}'`,
    );
  return { pid: st.pid, startTime: st.startTime };
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
export function helperExecArgs(c: PlannedContainer, proc: { pid: number; startTime: number }, o: ExecOptions): string[] {
  if (o.command.length === 0) throw new UsageError('no command given', 'put the command after --, e.g. podrun exec web -- sh');
  if (o.workdir !== undefined && !o.workdir.startsWith('/'))
    throw new UsageError(`-w ${o.workdir}: the working directory must be an absolute path`);
  const args = ['exec', '--pid', String(proc.pid), '--start-time', String(proc.startTime)];
  if (o.tty) args.push('--tty');
  if (o.stdin) args.push('--stdin');
  const cwd = o.workdir ?? (c.workingDir || '/');
  args.push('--cwd', cwd);
  const uid = c.user.uid ?? 0;
  const gid = c.user.gid ?? 0; // apply resolves names to ids; a bare uid gets gid 0, as docker does
  const groups = (c.user as { groups?: number[] }).groups;
  args.push('--user', `${uid}:${gid}${groups && groups.length ? `:${groups.join(',')}` : ''}`);
  for (const kv of execEnv(c, o.env, o.tty)) args.push('--env', kv);
  args.push('--', ...o.command);
  return args;
}
