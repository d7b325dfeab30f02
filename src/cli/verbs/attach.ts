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
    'detach-keys': { type: 'string', arg: 'KEYS', help: 'with -it, the keys that end the attach and leave the container running (default ctrl-p,ctrl-q)' },
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
  if (!values.stdin) return follow(); // -t alone: kubectl's too sends nothing, and says nothing
  if (!container.stdin) throw new ConflictError(`container "${container.name}" in pod "${rec.plan.name}" does not take stdin`, 'set `stdin: true` on it (kubectl attach -i needs it too), or use podrun exec -i');
  const detach = detachKeys(str(values['detach-keys']) ?? 'ctrl-p,ctrl-q');
  const quiet = values.quiet === true;
  // kubectl's rules: -t only with a container's tty (else said, and off); a tty container is always attached as one
  let tty = values.tty === true || container.tty;
  if (values.tty && !container.tty) {
    if (!quiet) writeErr(`error: Unable to use a TTY - container ${container.name} did not allocate one\n`);
    tty = false;
  }
  const isatty = (require('tty') as typeof import('tty')).isatty;
  if (tty && !isatty(0)) {
    if (!quiet) writeErr('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }
  if (!quiet) {
    writeErr('All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\n');
    writeErr("If you don't see a command prompt, try pressing enter.\n");
  }
  const resume = `Session ended, resume using 'podrun attach ${rec.plan.name} -c ${container.name} -n ${rec.plan.namespace} -i -t' command\n`;
  let input: Awaited<ReturnType<typeof startStdinRelay>> | undefined;
  try {
    input = await startStdinRelay(rec.plan.dirs.lasting, container.name, tty, rec.plan.name, detach, (code) => {
      // the detach keys, or input that can no longer be written: the attach ends here, as kubectl's
      if (tty && !quiet) ctx.out(resume);
      process.exit(code === DETACHED ? 0 : 1);
    });
  } catch (e) {
    // stdinOnce: a later attach shows the output, its input goes nowhere (kubectl's over containerd's)
    if (!(e instanceof ConflictError) || !e.message.endsWith('(stdinOnce)')) throw e;
    writeErr(`warning: ${e.message.replace(/^cannot attach to/, 'no input for')}: only its output is shown\n`);
  }
  // Ctrl-C: in raw mode it is a key for the container; otherwise it ends both halves (the relay is in our process group)
  let code: number;
  try {
    code = await follow();
  } finally {
    input?.stop();
    await input?.done;
  }
  if (tty && !quiet) ctx.out(resume);
  return code;
}

/** The relay's exit status after the detach keys (addon/src/attach.c). */
const DETACHED = 3;

/** kubectl's --detach-keys (`ctrl-p,ctrl-q`, `a`, `ctrl-@`): the bytes, for the helper as `16,17`. */
export function detachKeys(spec: string): string {
  const bytes = spec.split(',').map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (m) return m[1].toUpperCase().charCodeAt(0) & 0x1f;
    if (k.length === 1 && k.charCodeAt(0) < 128) return k.charCodeAt(0);
    throw new UsageError(`could not bind detach keys: unknown key ${JSON.stringify(k)}`, 'keys are single characters or ctrl-<a-z, @, [, \\, ], ^, _>, comma-separated: --detach-keys ctrl-p,ctrl-q');
  });
  if (bytes.length > 16) throw new UsageError('could not bind detach keys: at most 16 keys');
  return bytes.join(',');
}

/** podrun-helper attach-stdin (docs/protocol.md, "attach-stdin"): resolves once it holds the container's stdin, or throws what the monitor said. */
async function startStdinRelay(lastingDir: string, container: string, tty: boolean, pod: string, detach: string, ended: (code: number) => void): Promise<{ stop: () => void; done: Promise<void> }> {
  const { spawn } = require('child_process') as typeof import('child_process');
  const { helper } = await import('../../runtime/helper');
  const cmd = helper.attachStdinCommand(lastingDir, container, tty, detach);
  const child = spawn(cmd.path, cmd.argv.slice(1), { argv0: cmd.argv[0], stdio: ['inherit', 'inherit', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let live = false; // it holds the stdin, and nobody asked it to stop
  const done = new Promise<void>((r) =>
    child.on('close', (code) => {
      r();
      if (live && (code === DETACHED || code === 1)) ended(code);
    }),
  );
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
  live = true;
  const stop = () => {
    live = false;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 2000).unref(); // never left behind
  };
  return { stop, done };
}
