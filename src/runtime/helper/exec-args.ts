// podrun-helper's argv for `exec` (docs/protocol.md, "exec"): the target process by pid + start
// time, and the user, cwd, environment, seccomp program, no_new_privs and AppArmor profile
// recorded in the plan (never resolved again).
import { UsageError } from '../../util/errors';
import { NATIVE_PROTOCOL } from '../../util/native';
import type { PlannedContainer, PlannedUser } from '../../plan/types';
import type { ProcessIdentity } from '../../state/proc';
import { seccompProgramFile } from './launch-file';

export interface ExecRequest {
  tty: boolean;
  stdin: boolean;
  workdir?: string;
  /** `K=V` overrides, in order. */
  env: string[];
  /**
   * Where the whole environment (execEnv's) was written, NUL-separated, for the helper to read and
   * remove (`--env-file`): when it holds values from Secrets, which a command line would show.
   */
  envFile?: string;
  command: string[];
  /** `--kill-on-term`: a SIGTERM to the helper SIGKILLs the command's process group (podrun cp giving up on a container's tar). */
  killOnTerm?: boolean;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment the command gets: the container's planned env, then -e overrides (same name replaces). */
export function execEnv(c: PlannedContainer, overrides: string[], tty: boolean): string[] {
  const env = new Map<string, string>();
  for (const e of c.env) env.set(e.name, e.value);
  // docker exec does the same: a PATH when the image has none, TERM for a terminal
  if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH);
  if (tty && !env.has('TERM')) env.set('TERM', 'xterm');
  for (const kv of overrides) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`-e ${kv}: expected NAME=value`, 'e.g. -e DEBUG=1');
    env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/**
 * `lastingDir` is the pod's, where apply wrote the container's seccomp program: exec runs under the
 * same filter, no_new_privs and AppArmor profile as the container, in its cgroup. A record from
 * before protocol 3 has no filter settings, one from before protocol 5 no cgroup, one from before
 * 7 no AppArmor profile (its containers ran unconfined).
 */
export function helperExecArgs(c: PlannedContainer, lastingDir: string, user: PlannedUser, proc: ProcessIdentity, o: ExecRequest): string[] {
  if (o.command.length === 0) throw new UsageError('no command given', 'put the command after --, e.g. podrun exec web -- sh');
  if (o.workdir !== undefined && !o.workdir.startsWith('/'))
    throw new UsageError(`-w ${o.workdir}: the working directory must be an absolute path`);
  const args = ['exec', '--protocol', String(NATIVE_PROTOCOL), '--pid', String(proc.pid), '--start-time', String(proc.startTime)];
  if (o.tty) args.push('--tty');
  if (o.stdin) args.push('--stdin');
  args.push('--cwd', o.workdir ?? (c.workingDir || '/'));
  args.push('--user', `${user.uid}:${user.gid}${user.groups.length ? `:${user.groups.join(',')}` : ''}`);
  if (o.envFile) args.push('--env-file', o.envFile);
  else for (const kv of execEnv(c, o.env, o.tty)) args.push('--env', kv);
  const program = c.security && seccompProgramFile(lastingDir, c.security);
  if (program) args.push('--seccomp', program);
  if (c.security?.noNewPrivileges) args.push('--no-new-privs');
  // the container's AppArmor profile, entered at the command's execve (none in older records)
  if (c.security?.appArmor?.profile) args.push('--apparmor', c.security.appArmor.profile);
  // the container's cgroup, so commit's freeze and delete hold what exec runs too
  for (const dir of Object.values(c.cgroup?.dirs ?? {})) args.push('--cgroup', dir);
  if (o.killOnTerm) args.push('--kill-on-term');
  args.push('--', ...o.command);
  return args;
}
