// podrun attach POD[/CONTAINER] [-c C] [-i] [-t]: the container's output from now on, as kubectl
// attach shows a running container's (its log followed from its end); with -i, your input to the
// stdin its monitor holds (`stdin: true`: the pipe's write end, or the pty master with `tty: true`),
// which podrun-helper attach-stdin gets from the monitor's control socket (`stdin NAME`, the fd
// passed with SCM_RIGHTS) and writes to, raw with -t.
import { ConflictError, UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { writeErr } from '../output';
import { containerOption, namespaceOptions } from '../resources';

export const spec: VerbSpec = {
  name: 'attach',
  usage: 'podrun attach POD[/CONTAINER] | TYPE/NAME [-c CONTAINER] [-n NAMESPACE] [-i] [-t] [-q]',
  description:
    "Print a running container's output from now on, until it ends or Ctrl-C, as kubectl attach does (its earlier output: podrun logs). -i sends your input to the container's own stdin (a container with stdin: true); -t with a container that has tty: true makes your terminal its terminal.",
  examples: [
    ['what the app container prints from now on', 'podrun attach web -c app'],
    ["type into a container's own shell (stdin: true, tty: true)", 'podrun attach -it dev -c shell'],
  ],
  options: {
    ...namespaceOptions,
    ...containerOption,
    stdin: { type: 'boolean', short: 'i', help: "pass your stdin to the container's stdin (it needs stdin: true)" },
    tty: { type: 'boolean', short: 't', help: "your terminal as the container's (it needs tty: true), raw: every key goes to it, Ctrl-C too" },
    quiet: { type: 'boolean', short: 'q', help: 'only print what the container prints' },
  },
  operands: ['pods'],
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument '${positionals[1]}'` : 'a pod is required', `usage: ${spec.usage}`);
  const c = str(values.container);
  const ns = str(values.namespace);
  // kubectl's: only a running container can be attached to (an ended one's output: podrun logs)
  const { podTarget } = await import('../pod-target');
  const { containerAddress, namespaceFrom } = await import('../resources');
  const { findPod } = await import('../../state/pod-records');
  const { pickContainer, requireRunningContainer } = await import('../../runtime/exec');
  const addr = containerAddress(podTarget(ctx.paths, positionals[0], namespaceFrom(values)), c, namespaceFrom(values), spec.usage);
  const rec = findPod(ctx.paths, addr.namespace, addr.name);
  const container = pickContainer(rec, addr.container, true).container;
  requireRunningContainer(rec.plan.name, container);
  // from this moment (the log's timestamps): what the container answers to the first keys is shown
  // even if it writes it before the follow has found the log's end
  const since = new Date().toISOString();
  const follow = () => import('./logs').then((l) => l.run([positionals[0], '-f', '--since-time', since, '-c', container.name, ...(ns !== undefined ? ['-n', ns] : [])], ctx));
  if (!values.stdin) {
    if (values.tty) writeErr('warning: -t without -i: nothing of yours goes to the container\n');
    return follow();
  }
  if (!container.stdin) throw new ConflictError(`container "${container.name}" in pod "${rec.plan.name}" does not take stdin`, 'set `stdin: true` on it (kubectl attach -i needs it too), or use podrun exec -i');
  // kubectl's rules: -t only with a container's tty (else said, and off); a tty container is always attached as one
  let tty = values.tty === true || container.tty;
  if (values.tty && !container.tty) {
    writeErr(`error: Unable to use a TTY - container ${container.name} did not allocate one\n`);
    tty = false;
  }
  const isatty = (require('tty') as typeof import('tty')).isatty;
  if (tty && !isatty(0)) {
    writeErr('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }
  if (!values.quiet) {
    writeErr('All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\n');
    writeErr("If you don't see a command prompt, try pressing enter.\n");
  }
  const input = await startStdinRelay(rec.plan.dirs.lasting, container.name, tty, rec.plan.name);
  // Ctrl-C: in raw mode it is a key for the container; otherwise it ends both halves (the relay is in our process group)
  let code: number;
  try {
    code = await follow();
  } finally {
    input.stop();
    await input.done;
  }
  if (tty && !values.quiet) ctx.out(`Session ended, resume using 'podrun attach ${rec.plan.name} -c ${container.name} -i -t' command when the pod is running\n`);
  return code;
}

/** podrun-helper attach-stdin (docs/protocol.md, "attach"): resolves once it holds the container's stdin, or throws what the monitor said. */
async function startStdinRelay(lastingDir: string, container: string, tty: boolean, pod: string): Promise<{ stop: () => void; done: Promise<void> }> {
  const { spawn } = require('child_process') as typeof import('child_process');
  const { helper } = await import('../../runtime/helper');
  const cmd = helper.attachStdinCommand(lastingDir, container, tty);
  const child = spawn(cmd.path, cmd.argv.slice(1), { argv0: cmd.argv[0], stdio: ['inherit', 'inherit', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<void>((r) => child.on('close', () => r()));
  const ready = await new Promise<boolean>((resolve) => {
    const fd3 = child.stdio[3] as import('stream').Readable;
    fd3.once('data', () => resolve(true));
    child.once('close', () => resolve(false));
    child.once('error', () => resolve(false));
  });
  if (!ready) {
    await done;
    const said = stderr.replace(/^podrun-helper attach-stdin: (E[A-Z0-9]+ )?/, '').trim(); // the monitor's text, less its errno name
    throw new ConflictError(`cannot attach to container "${container}" in pod "${pod}": ${said || 'the relay ended'}`, `see 'podrun describe pod ${pod}'`);
  }
  // what it says later (a write error) is the user's to see
  child.stderr!.removeAllListeners('data').on('data', (d: string) => writeErr(d));
  return { stop: () => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'), done };
}
