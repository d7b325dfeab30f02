// podrun cp's container side, as kubectl cp's: `tar` run in the container by the same path as
// `podrun exec` (podrun-helper enters the container's namespaces, cgroup, root, user, seccomp and
// AppArmor), so the container reads and writes only what it could itself. Its output is untrusted
// and goes to runtime/copy-extract.ts; what goes in is walked by fds (images/layerdiff.ts).
import { spawn, type ChildProcess } from 'child_process';
import type { PlannedContainer } from '../plan/types';
import type { PodRecord } from '../state/pod-records';
import { PodrunError } from '../util/errors';
import { containerUser, requireRunningContainer } from './exec';
import { helper } from './helper';

/** What a command in the container gave back: its exit code and its stderr, lines as written. */
export interface ContainerCommandResult {
  code: number;
  stderr: string;
  /** finish() had to end it: it did not end by itself in time. */
  ended?: boolean;
}

/** A command running in the container with its stdio as pipes (stdin only when asked for). */
export interface ContainerCommand {
  child: ChildProcess;
  done: Promise<ContainerCommandResult>;
  /** Its result, waiting at most MS for it to end by itself, then ending it (SIGTERM: the helper kills the command's group). */
  finish(ms: number): Promise<ContainerCommandResult>;
}

/** Starts COMMAND in the container, as `podrun exec` would run it without a terminal. */
export function runInContainer(rec: PodRecord, c: PlannedContainer, command: string[], opts: { stdin: boolean }): ContainerCommand {
  const proc = requireRunningContainer(rec.plan.name, c);
  // The environment's ConfigMap and Secret tokens stay tokens: tar needs none of their values.
  // SIGTERM to the helper (stop) kills the command's whole group: a container's tar that will not end is ended
  const cmd = helper.execCommand(c, rec.plan.dirs.lasting, containerUser(c), proc, { tty: false, stdin: opts.stdin, env: [], command, killOnTerm: true });
  const child = spawn(cmd.path, cmd.argv.slice(1), { argv0: cmd.argv[0], stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-64 * 1024)));
  const done = new Promise<ContainerCommandResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? 15 : 0), stderr }));
  });
  const finish = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = setTimeout(r, ms)));
    await Promise.race([done.catch(() => undefined), late]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      return { ...(await done), ended: true };
    }
    return done;
  };
  return { child, done, finish };
}

/** Exit 127/126 from the helper with its "command not found": the image has no tar, which kubectl cp needs too. */
export function noTarError(podName: string, container: string, r: ContainerCommandResult): PodrunError | undefined {
  if ((r.code !== 127 && r.code !== 126) || !r.stderr.includes('execve tar:')) return undefined;
  return new PodrunError(
    `container "${container}" in pod "${podName}" has no tar: podrun cp, as kubectl cp, runs tar in the container`,
    `use an image with tar (busybox has one), or copy one file with 'podrun exec ${podName} -c ${container} -- cat PATH > FILE'`,
  );
}

/** tar's own lines, less the one every `tar cf - /ABSOLUTE` prints (kubectl shows it; it says nothing). */
export function tarMessages(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => l !== '' && !/[Rr]emoving leading [`']\/' from member names/.test(l))
    .map((l) => `${l}\n`)
    .join('');
}
