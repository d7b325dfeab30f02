// The containers of a pod by kind and their effective total of a resource (kubelet-resources.md
// §2.3: PodRequests/PodLimits, init steps and sidecars), shared by the resource plans. Pure.
import { formatQuantity } from '../manifest/quantity';

export type Kind = 'app' | 'init' | 'sidecar';

/** PodRequests / PodLimits (§2.3) of one resource: max(Σ regular + sidecars, each init step). */
export function effective(list: { kind: Kind; v: number }[]): number {
  let sum = 0;
  let side = 0;
  let initMax = 0;
  for (const c of list) {
    if (c.kind === 'app') sum += c.v;
    else if (c.kind === 'sidecar') {
      sum += c.v;
      side += c.v;
      initMax = Math.max(initMax, side);
    } else initMax = Math.max(initMax, c.v + side);
  }
  return Math.max(sum, initMax);
}

/** The spec's containers in the machine's order (init containers and sidecars first), each with its kind and field path. */
export function withKinds<C extends { restartPolicy?: string }>(spec: { containers: C[]; initContainers?: C[] }): { c: C; kind: Kind; at: (string | number)[] }[] {
  return [
    ...(spec.initContainers ?? []).map((c, i) => ({ c, kind: (c.restartPolicy === 'Always' ? 'sidecar' : 'init') as Kind, at: ['spec', 'initContainers', i] })),
    ...spec.containers.map((c, i) => ({ c, kind: 'app' as Kind, at: ['spec', 'containers', i] })),
  ];
}

/** A byte count as the API prints a quantity (Q1.8, binary when it divides). */
export const bytesText = (n: number) => formatQuantity({ nanos: BigInt(n) * 1_000_000_000n, format: 'BinarySI' });
