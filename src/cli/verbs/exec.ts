// podrun exec POD[/CONTAINER] [-c C] [-n NS] [-i] [-t] [-w DIR] [-e K=V]... -- CMD ARGS...
// Start-up matters here (benchmarked against `node -e 0` + nsenter): only fs/path and the addon,
// no winston, zod or js-yaml. The namespace work is podrun-helper's; Node only decides, then execs it.
import { parseArgs, str, type VerbSpec } from '../args';
import { podTarget } from '../pod-target';
import { requireRoot } from '../root';
import type { CliContext } from '../context';
import { containerUser, pickContainer, requireRunningContainer, thawLeftOverFreeze } from '../../runtime/exec';
import { helper } from '../../runtime/helper';
import { native } from '../../util/native';
import { containerAddress, namespaceFrom, namespaceOptions, containerOption } from '../resources';
import { findPod } from '../../state/pod-records';
import { writeErr } from '../output';

export const spec: VerbSpec = {
  name: 'exec',
  usage: 'podrun exec POD[/CONTAINER] [-c CONTAINER] [-n NAMESPACE] [-i] [-t] [-w DIR] [-e NAME=VALUE]... -- COMMAND [ARGS...]',
  description: "Run a command in a running container: in its namespaces, cgroup, root, user and security settings, as kubectl exec does. The exit code is the command's.",
  examples: [
    ['a shell in the app container of pod dev', 'podrun exec -it dev/app -- sh'],
    ['one command, with a variable and a working directory', 'podrun exec dev -c app -e DEBUG=1 -w /src -- make test'],
  ],
  options: {
    ...namespaceOptions,
    ...containerOption,
    stdin: { type: 'boolean', short: 'i', help: "pass stdin to the command" },
    tty: { type: 'boolean', short: 't', help: 'give the command a terminal' },
    workdir: { type: 'string', short: 'w', arg: 'DIR', help: "the command's working directory (default the container's)" },
    env: { type: 'string', short: 'e', multiple: true, arg: 'NAME=VALUE', help: 'set an environment variable for the command (repeatable)' },
  },
  operands: ['pods'],
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals, rest } = parseArgs(argv, spec);
  requireRoot('exec', "it enters the pod's namespaces");
  const addr = containerAddress(podTarget(ctx.paths, positionals[0], namespaceFrom(values)), str(values.container), namespaceFrom(values), USAGE);
  // kubectl's old form `exec POD CMD` (no --) still works when the command has no flags
  const command = rest.length ? rest : positionals.slice(1);
  const rec = findPod(ctx.paths, addr.namespace, addr.name);
  const { container, defaulted } = pickContainer(rec, addr.container, true);
  if (defaulted) writeErr(defaulted + '\n');

  let tty = values.tty === true;
  const stdin = values.stdin === true;
  // tty is loaded only when asked for: it is a few ms of start-up on every exec
  if (tty && !(require('tty') as typeof import('tty')).isatty(0)) {
    // kubectl's behaviour: warn and carry on without a terminal
    writeErr('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }
  const proc = requireRunningContainer(rec.plan.name, container);
  thawLeftOverFreeze(ctx.paths, rec, (m) => writeErr(`warning: ${m}\n`));
  const env = (values.env as string[] | undefined) ?? [];
  // Values from ConfigMaps and Secrets are tokens in the plan (plan/env-refs.ts): filled in here.
  const { c, envFile } = rec.plan.envRefs ? (require('../../runtime/exec-env') as typeof import('../../runtime/exec-env')).execEnvValues(ctx.paths, rec.plan, container, env, tty) : { c: container, envFile: undefined };
  const cmd = helper.execCommand(c, rec.plan.dirs.lasting, containerUser(c), proc, { tty, stdin, workdir: str(values.workdir), env, command, ...(envFile ? { envFile } : {}) });
  // podrun-helper takes over this process: it inherits the terminal, receives the user's signals
  // directly and its exit status is podrun's, with no Node process waiting in between.
  try {
    return native().execve(cmd.path, cmd.argv);
  } catch (e) {
    // The helper never ran, so never read (and removed) the file with the Secret's values.
    if (envFile) (require('fs') as typeof import('fs')).rmSync(envFile, { force: true });
    throw e;
  }
}
