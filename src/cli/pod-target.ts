// `logs deploy/web`, `exec sts/db -- sh`, `port-forward job/pi 8080`: kubectl takes a workload
// where a pod goes and uses one of its pods. Which one is kubectl's choice for logs
// (podutils.ByLogging), also for a Service's pods: a running pod before one that is not, a ready one before one that is
// not, then the oldest. With several, `Found N pods, using pod/NAME` goes to stderr, as kubectl's.
import type { Paths } from '../util/paths';
import { isWorkloadKind, type WorkloadKind } from '../util/kinds';
import type { PodRecord } from '../state/pod-records';
import { resourceKind } from './resources';
import { writeErr } from './output';

/**
 * ARG as a pod: `deploy/NAME` (any workload TYPE/NAME) becomes the name of the pod chosen;
 * anything else (`POD`, `pod/POD`, `POD/CONTAINER`) comes back as it was.
 */
export function podTarget(paths: Paths, arg: string | undefined, namespace: string): string | undefined {
  const slash = arg?.indexOf('/') ?? -1;
  if (!arg || slash <= 0) return arg;
  const kind = resourceKind(arg.slice(0, slash));
  if (kind === undefined || kind === 'Pod') return arg; // POD/CONTAINER, pod/POD
  // a pod named like a type word (`rs`, `cm`): its POD/CONTAINER form comes first, as before TYPE/NAME was taken here
  const { readPodRecord } = require('../state/pod-records') as typeof import('../state/pod-records');
  if (readPodRecord(paths, `${namespace}_${arg.slice(0, slash)}`)) return arg;
  const { UsageError } = require('../util/errors') as typeof import('../util/errors');
  if (!isWorkloadKind(kind) && kind !== 'Service') throw new UsageError(`${arg}: a ${kind} has no pods`, 'name a pod, a workload (deploy/NAME) or a Service (svc/NAME)');
  const name = arg.slice(slash + 1);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) throw new UsageError(`'${name}' is not a valid ${kind} name`, 'names are lower-case letters, digits, - and ., starting and ending with a letter or digit');
  const { listPodRecords } = require('../state/pod-records') as typeof import('../state/pod-records');
  // (the container state files, not runtime/pod-status: exec's bundle stays small)
  const { helper } = require('../runtime/helper') as typeof import('../runtime/helper');
  const pods = podsFor(paths, kind, namespace, name, listPodRecords(paths, namespace))
    .filter((r) => !r.deletionTimestamp)
    .map((r) => {
      const states = r.plan.containers.map((c) => helper.readContainerState(c));
      return { r, running: states.some((x) => x?.state === 'running'), ready: states.every((x) => x?.state === 'running' && x.ready === true) };
    });
  if (!pods.length) {
    const { NotFoundError } = require('../util/errors') as typeof import('../util/errors');
    throw new NotFoundError(`${arg} has no pods`, `'podrun describe ${arg}' says why; 'podrun get pods' lists the pods`);
  }
  const rank = (p: (typeof pods)[number]) => [p.running ? 0 : 1, p.ready ? 0 : 1, Date.parse(p.r.createdAt)];
  pods.sort((a, b) => {
    const x = rank(a);
    const y = rank(b);
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  if (pods.length > 1) writeErr(`Found ${pods.length} pods, using pod/${pods[0].r.plan.name}\n`);
  return pods[0].r.plan.name;
}

/** A workload's pods, or those a Service's selector picks (kubectl logs svc/NAME). */
function podsFor(paths: Paths, kind: WorkloadKind | 'Service', namespace: string, name: string, records: PodRecord[]): PodRecord[] {
  if (kind === 'Service') {
    const { objectNotFound, readObject } = require('../state/objects') as typeof import('../state/objects');
    const svc = readObject(paths, 'Service', namespace, name) as unknown as { spec?: { selector?: Record<string, string> } } | undefined;
    if (!svc) throw objectNotFound('Service', namespace, name);
    const sel = Object.entries(svc.spec?.selector ?? {});
    if (!sel.length) throw new (require('../util/errors') as typeof import('../util/errors')).UsageError(`service/${name} has no selector`, 'a Service without one picks no pods: name a pod');
    return records.filter((r) => sel.every(([k, v]) => r.manifest.metadata.labels?.[k] === v));
  }
  const { podsOf, readWorkload, workloadNotFound } = require('../state/workloads') as typeof import('../state/workloads');
  if (!readWorkload(paths, kind, namespace, name)) throw workloadNotFound(kind, namespace, name);
  return podsOf(records, kind, namespace, name);
}
