// podrun rollout restart|status TYPE/NAME: kubectl's, for Deployments, StatefulSets and
// DaemonSets. restart stamps the template (kubectl.kubernetes.io/restartedAt) and rolls every pod
// as a changed file would; status waits until the pods are all of the current template, ready
// and available, saying what it waits for, as kubectl's messages do. podrun keeps no old
// revisions: history and undo say so.
import { UsageError } from '../../util/errors';
import { isWorkloadKind, workloadRef, WORKLOAD_KINDS, type WorkloadKind } from '../../util/kinds';
import { parseArgs, renderHelp, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { writeErr } from '../output';
import { forEachItem } from '../render';
import { requireRoot } from '../root';
import { namespaceFrom, namespaceOptions, parseResourceArgs } from '../resources';

const restartSpec: VerbSpec = {
  name: 'rollout restart',
  usage: 'podrun rollout restart TYPE/NAME... [-n NAMESPACE]',
  description: "Replace every pod of a Deployment, StatefulSet or DaemonSet with a new one, as a changed template would (one at a time behind readiness): the template gets kubectl's kubectl.kubernetes.io/restartedAt annotation, which the next apply of the file keeps.",
  examples: [['new pods for deployment web', 'podrun rollout restart deploy/web']],
  options: { ...namespaceOptions },
  operands: ['resource-types', 'resource-names'],
  repeatLast: true,
};

const statusSpec: VerbSpec = {
  name: 'rollout status',
  usage: 'podrun rollout status TYPE/NAME [-n NAMESPACE] [--timeout 5m] [-w=false]',
  description: 'Wait until a rollout is done (every pod of the current template, ready and available), saying what it waits for in kubectl\'s words; exit 1 at the timeout.',
  examples: [['after an apply in another terminal', 'podrun rollout status deploy/web']],
  options: {
    ...namespaceOptions,
    timeout: { type: 'string', arg: 'DURATION', help: 'how long to wait (default: no limit, as kubectl)' },
    watch: { type: 'boolean', short: 'w', default: true, help: 'wait (-w=false: say how it stands and exit)' },
  },
  operands: ['resource-types', 'resource-names'],
};

const GONE = "podrun keeps no old revisions (a rollout is the file's template): apply the earlier file to go back";

export const spec: VerbSpec = {
  name: 'rollout',
  usage: 'podrun rollout restart|status TYPE/NAME [...]',
  description: 'Manage the rollout of a Deployment, StatefulSet or DaemonSet: restart its pods, or wait until a rollout is done.',
  examples: [
    ['new pods for deployment web', 'podrun rollout restart deploy/web'],
    ['wait for it', 'podrun rollout status deploy/web'],
  ],
  options: {},
  subcommands: { restart: restartSpec, status: statusSpec },
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'restart') return restart(rest, ctx);
  if (sub === 'status') return status(rest, ctx);
  if (sub === '-h' || sub === '--help') {
    ctx.out(renderHelp(spec) + '\n');
    return 0;
  }
  if (sub === 'history' || sub === 'undo' || sub === 'pause' || sub === 'resume') throw new UsageError(`podrun rollout ${sub} is not supported`, sub === 'pause' || sub === 'resume' ? 'a rollout happens when its file is applied: apply when the template is ready' : GONE);
  throw new UsageError(sub ? `unknown rollout command '${sub}'` : 'rollout needs a command: restart or status', "run 'podrun rollout --help' for details");
}

function targets(verb: string, positionals: string[], ns: string, usage: string): Array<{ kind: WorkloadKind; namespace: string; name: string }> {
  const { addrs } = parseResourceArgs(verb, positionals, ns, { required: true, usage });
  return addrs.map((a) => {
    if (!isWorkloadKind(a.kind) || a.kind === 'ReplicaSet' || a.kind === 'Job')
      throw new UsageError(`${verb}: a ${a.kind === 'Pod' ? 'pod' : a.kind} has no rollout`, 'name a deployment, statefulset or daemonset, e.g. deploy/web');
    return { kind: a.kind, namespace: a.namespace, name: a.name };
  });
}

async function restart(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, restartSpec);
  requireRoot('rollout', 'it replaces pods');
  const ts = targets('rollout restart', positionals, namespaceFrom(values), restartSpec.usage);
  await (await import('../sync')).finishLeftovers(ctx);
  const { restartWorkload } = await import('../../runtime/workloads');
  const { workloadNotFound } = await import('../../state/workloads');
  const watch = (await import('../grace-wait')).graceWatch();
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const code = await forEachItem(ts, async (t) => {
    const r = await restartWorkload(ctx.paths, t.kind, t.namespace, t.name, at, { progress: (l) => writeErr(`${l}\n`), watch });
    if (!r) throw workloadNotFound(t.kind, t.namespace, t.name);
    ctx.out(`${workloadRef(t.kind, t.name)} restarted\n`);
    for (const f of r.failures) throw f;
  });
  await (await import('../sync')).syncServicesAfter(ctx);
  return code;
}

async function status(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, statusSpec);
  requireRoot('rollout', "the pods' state is root's");
  const [t, ...more] = targets('rollout status', positionals, namespaceFrom(values), statusSpec.usage);
  if (more.length) throw new UsageError('rollout status takes one workload', `usage: ${statusSpec.usage}`);
  const timeout = str(values.timeout);
  const limitMs = timeout === undefined ? Infinity : (await import('./wait')).parseWaitTimeout(timeout);
  const { readWorkload, workloadNotFound } = await import('../../state/workloads');
  const { listPodRecords } = await import('../../state/pod-records');
  const { counts } = await import('../workloads-view');
  const what = `${WORKLOAD_KINDS[t.kind].singular === 'daemonset' ? 'daemon set' : WORKLOAD_KINDS[t.kind].singular} "${t.name}"`;
  const start = Date.now();
  let said = '';
  for (;;) {
    const r = readWorkload(ctx.paths, t.kind, t.namespace, t.name);
    if (!r) throw workloadNotFound(t.kind, t.namespace, t.name);
    const c = counts(ctx.paths, r, listPodRecords(ctx.paths, t.namespace));
    // kubectl's messages (kubectl/pkg/polymorphichelpers/rollout_status.go)
    const waiting =
      c.updated < c.desired
        ? `Waiting for ${what} rollout to finish: ${c.updated} out of ${c.desired} new ${t.kind === 'DaemonSet' ? 'pods' : 'replicas'} have been updated...`
        : c.current > c.updated
          ? `Waiting for ${what} rollout to finish: ${c.current - c.updated} old replicas are pending termination...`
          : c.available < c.updated
            ? `Waiting for ${what} rollout to finish: ${c.available} of ${c.updated} updated ${t.kind === 'DaemonSet' ? 'pods' : 'replicas'} are available...`
            : undefined;
    if (!waiting) {
      ctx.out(t.kind === 'StatefulSet' ? `statefulset rolling update complete ${c.current} pods at revision ${t.name}...\n` : `${what} successfully rolled out\n`);
      return 0;
    }
    if (waiting !== said) ctx.out(`${waiting}\n`);
    said = waiting;
    if (values.watch === false) return 0;
    if (Date.now() - start >= limitMs) throw new (await import('../../util/errors')).PodrunError(`timed out waiting for the condition`, `the rollout of ${workloadRef(t.kind, t.name)} is not done after ${timeout}: 'podrun describe ${workloadRef(t.kind, t.name)}' says why`);
    await new Promise((res) => setTimeout(res, 250));
  }
}
