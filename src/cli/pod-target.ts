// `logs deploy/web`, `exec sts/db -- sh`, `port-forward job/pi 8080`: kubectl takes a workload
// where a pod goes and uses one of its pods. Which one is kubectl's choice for logs
// (podutils.ByLogging): a running pod before one that is not, a ready one before one that is
// not, then the oldest. With several, `Found N pods, using pod/NAME` goes to stderr, as kubectl's.
import type { Paths } from '../util/paths';
import { isWorkloadKind } from '../util/kinds';
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
  if (!isWorkloadKind(kind)) return arg;
  const name = arg.slice(slash + 1);
  const { podsOf, readWorkload, workloadNotFound } = require('../state/workloads') as typeof import('../state/workloads');
  const { listPodRecords } = require('../state/pod-records') as typeof import('../state/pod-records');
  // (the container state files, not runtime/pod-status: exec's bundle stays small)
  const { helper } = require('../runtime/helper') as typeof import('../runtime/helper');
  if (!readWorkload(paths, kind, namespace, name)) throw workloadNotFound(kind, namespace, name);
  const pods = podsOf(listPodRecords(paths, namespace), kind, namespace, name)
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
