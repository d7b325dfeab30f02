// podrun attach POD[/CONTAINER] [-c C]: the container's output from now on, as kubectl attach
// shows a running container's (its logs followed from their end). Writing to the stdin the
// monitor holds for a `stdin: true` container (-i) needs a control-socket request it does not
// have yet: refused, saying so.
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { containerOption, namespaceOptions } from '../resources';

export const spec: VerbSpec = {
  name: 'attach',
  usage: 'podrun attach POD[/CONTAINER] | TYPE/NAME [-c CONTAINER] [-n NAMESPACE]',
  description:
    "Print a running container's output from now on, until it ends or Ctrl-C, as kubectl attach does (its earlier output: podrun logs). -i and -t are not supported yet: podrun exec -it opens a shell in the container instead.",
  examples: [['what the app container prints from now on', 'podrun attach web -c app']],
  options: {
    ...namespaceOptions,
    ...containerOption,
    stdin: { type: 'boolean', short: 'i', help: 'not supported yet: the container\'s stdin (refused, saying so)' },
    tty: { type: 'boolean', short: 't', help: 'not supported yet: the container\'s terminal (refused, saying so)' },
  },
  operands: ['pods'],
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  if (values.stdin || values.tty)
    throw new UsageError("podrun attach -i/-t is not supported yet: podrun cannot pass your input to a container's own stdin", "'podrun exec -it POD -- sh' opens a shell in the container");
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
  requireRunningContainer(rec.plan.name, pickContainer(rec, addr.container, true).container);
  // logs -f from the end: what the container writes from now on
  return (await import('./logs')).run([positionals[0], '-f', '--tail', '0', ...(c !== undefined ? ['-c', c] : []), ...(ns !== undefined ? ['-n', ns] : [])], ctx);
}
