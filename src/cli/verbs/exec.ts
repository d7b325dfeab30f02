// podrun exec POD[/CONTAINER] [-c C] [-n NS] [-i] [-t] [-w DIR] [-e K=V]... -- CMD ARGS...
// Start-up matters here (benchmarked against `node -e 0` + nsenter): only fs/path/child_process,
// no winston, zod or js-yaml. The namespace work is podrun-helper's; Node only decides and waits.
import { spawn } from 'child_process';
import { isatty } from 'tty';
import { parseArgs, str } from '../args';
import type { CliContext } from '../context';
import { containerAddress, helperExecArgs, pickContainer, runningProcess } from '../../runtime/exec';
import { helperPath } from '../../runtime/native';
import { namespaceFrom, namespaceOptions } from '../../state/address';
import { findPod } from '../../state/records';

const USAGE = 'podrun exec POD[/CONTAINER] [-c CONTAINER] [-n NAMESPACE] [-i] [-t] [-w DIR] [-e NAME=VALUE]... -- COMMAND [ARGS...]';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals, rest } = parseArgs(
    argv,
    {
      ...namespaceOptions,
      container: { type: 'string', short: 'c' },
      stdin: { type: 'boolean', short: 'i' },
      tty: { type: 'boolean', short: 't' },
      workdir: { type: 'string', short: 'w' },
      env: { type: 'string', short: 'e', multiple: true },
    },
    USAGE,
  );
  const addr = containerAddress(positionals[0], str(values.container), namespaceFrom(values), USAGE);
  // kubectl's old form `exec POD CMD` (no --) still works when the command has no flags
  const command = rest.length ? rest : positionals.slice(1);
  const rec = findPod(ctx.paths, addr.namespace, addr.name);
  const { container, defaulted } = pickContainer(rec, addr.container, true);
  if (defaulted) process.stderr.write(defaulted + '\n');

  let tty = values.tty === true;
  const stdin = values.stdin === true;
  if (tty && !isatty(0)) {
    // kubectl's behaviour: warn and carry on without a terminal
    process.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }
  const proc = runningProcess(rec.plan.name, container);
  const args = helperExecArgs(rec.plan.name, container, proc, {
    tty,
    stdin,
    workdir: str(values.workdir),
    env: (values.env as string[] | undefined) ?? [],
    command,
  });
  return runHelper(helperPath(), args, stdin || tty);
}

/** Runs the helper with the terminal/stdio passed through; resolves to its exit status (128+N for signal N). */
function runHelper(helper: string, args: string[], withStdin: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(helper, args, { stdio: [withStdin ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
    // The terminal sends SIGINT/SIGQUIT to the whole foreground group (helper included), so Node
    // only has to survive them; SIGTERM/SIGHUP aimed at podrun are passed on to the helper.
    const forward = (sig: NodeJS.Signals) => () => {
      if (sig === 'SIGTERM' || sig === 'SIGHUP') child.kill(sig);
    };
    const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'];
    const handlers = sigs.map((s) => {
      const h = forward(s);
      process.on(s, h);
      return [s, h] as const;
    });
    const done = () => handlers.forEach(([s, h]) => process.off(s, h));
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('exit', (code, signal) => {
      done();
      if (signal) {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const { constants } = require('os') as typeof import('os');
        resolve(128 + (constants.signals[signal] ?? 0));
      } else resolve(code ?? 1);
    });
  });
}
