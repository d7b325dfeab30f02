// podrun scale (deployment|replicaset|statefulset) NAME... --replicas N [-n NS] | scale TYPE/NAME...
// kubectl's scale: the workload's replicas become N (until the next apply of its file, which sets
// what the file says, as on a cluster), then its controller makes or removes pods until it has N
// (a StatefulSet in order: runtime/workloads.ts). Prints `deployment.apps/web scaled`.
import { PodrunError, UsageError } from '../../util/errors';
import { namespaceFrom, namespaceOptions, parseResourceArgs } from '../resources';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { writeErr } from '../output';
import { forEachItem, renderError } from '../render';
import { isWorkloadKind, workloadRef } from '../../util/kinds';

export const spec: VerbSpec = {
  name: 'scale',
  usage: 'podrun scale deployment|replicaset|statefulset NAME... --replicas N [-n NAMESPACE]',
  description: 'Set the replicas of a deployment, replicaset or statefulset, as kubectl scale does (a later apply of a file without replicas keeps it).',
  examples: [
    ['three pods of deployment web', 'podrun scale deploy/web --replicas 3'],
    ['stop every pod, keep the statefulset', 'podrun scale sts db --replicas=0'],
  ],
  options: { ...namespaceOptions, replicas: { type: 'string', arg: 'N', help: 'the number of pods' } },
  operands: [['deployment', 'replicaset', 'statefulset', 'deploy', 'rs', 'sts'], 'resource-names'],
  repeatLast: true,
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  const text = str(values.replicas);
  if (text === undefined) throw new UsageError('scale needs --replicas N', `usage: ${USAGE}`);
  if (!/^\d+$/.test(text) || Number(text) > 2 ** 31 - 1) throw new UsageError(`--replicas: '${text}' is not a whole number of replicas`, 'e.g. --replicas 3 (0 stops every pod and keeps the workload)');
  const replicas = Number(text);
  const { addrs } = parseResourceArgs('scale', positionals, namespaceFrom(values), { required: true, usage: USAGE });
  for (const a of addrs)
    if (!isWorkloadKind(a.kind) || a.kind === 'DaemonSet' || a.kind === 'Job')
      throw new UsageError(
        `cannot scale a ${a.kind === 'Pod' ? 'pod' : a.kind}: only deployments, replicasets and statefulsets have replicas`,
        a.kind === 'Job' ? "a Job's pods at once are its spec.parallelism: change it in the file and apply" : a.kind === 'DaemonSet' ? 'a DaemonSet runs one pod on each node, and this machine is its one node' : `e.g. podrun scale deployment/NAME --replicas ${replicas}`,
      );
  if (process.getuid?.() !== 0) throw new PodrunError('podrun scale needs root: it starts and stops pods', 'run it as root (sudo)');
  await (await import('../sync')).finishLeftovers(ctx);
  const { scaleWorkload } = await import('../../runtime/workloads');
  const { workloadNotFound } = await import('../../state/workloads');
  const watch = (await import('../grace-wait')).graceWatch();
  const progress = (line: string) => writeErr(`${line}\n`);
  let failed = 0;
  const code = await forEachItem(addrs, async (a) => {
    if (!isWorkloadKind(a.kind)) return;
    const r = await scaleWorkload(ctx.paths, a.kind, a.namespace, a.name, replicas, { progress, watch });
    if (!r) throw workloadNotFound(a.kind, a.namespace, a.name);
    ctx.out(`${workloadRef(a.kind, a.name)} scaled\n`);
    for (const f of r.failures) {
      writeErr(renderError(f));
      failed = Math.max(failed, f.exitCode);
    }
  });
  await (await import('../sync')).syncServicesAfter(ctx);
  return Math.max(code, failed);
}
