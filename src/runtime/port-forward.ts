// What `podrun port-forward` needs of a pod: its network namespace as an fd (the CNI pin, or the
// pause's pidfd for a pod with only lo; none for hostNetwork), its named ports, and connections
// made in that namespace to localhost, as the kubelet's port-forward dials them
// (docs/cli/port-forward.md).
import { closeSync, constants, openSync } from 'fs';
import type { PodPlan } from '../plan/types';
import type { PodRecord } from '../state/pod-records';
import { isAlive } from '../state/proc';
import { PodrunError } from '../util/errors';
import { native } from '../util/native';
import { helper, monitorProcesses } from './helper';
import { netnsPin } from './network/pod-network';
import type { Paths } from '../util/paths';

/** An fd of the pod's network namespace (-1: the host's, for hostNetwork), or a PodrunError when the pod does not run. */
export function openPodNetns(paths: Paths, r: PodRecord): number {
  const procs = monitorProcesses(helper.readMonitorFile(r.plan.dirs.lasting));
  if (!isAlive(procs.monitor) || !procs.pause || r.deletionTimestamp)
    throw new PodrunError(`unable to forward port because pod is not running (pod/${r.plan.name})`, `\`podrun get pod ${r.plan.name}\` shows it; \`podrun apply -f FILE\` starts it`);
  if (r.plan.namespaces.net === 'host') return -1;
  if (r.plan.network) return openSync(netnsPin(paths, r.plan.network.containerId), constants.O_RDONLY);
  // Only lo: the pause holds the namespace; its pidfd names that very process (setns takes a pidfd).
  const fd = native().pidfdOpen(procs.pause.pid);
  if (!isAlive(procs.pause)) {
    closeSync(fd);
    throw new PodrunError(`unable to forward port because pod is not running (pod/${r.plan.name})`);
  }
  return fd;
}

/** A remote port: a number, or a container port's name (the first container that has it). */
export function resolveRemotePort(plan: PodPlan, port: string): number {
  if (/^\d+$/.test(port)) {
    const n = Number(port);
    if (n >= 1 && n <= 65535) return n;
  } else
    for (const c of [...plan.containers, ...(plan.initContainers ?? [])])
      for (const p of c.ports) if (p.name === port) return p.containerPort;
  throw new PodrunError(`pod/${plan.name} has no port named "${port}"`, `name a containerPort number (1-65535) or one of the pod's port names: ${[...plan.containers.flatMap((c) => c.ports.map((p) => p.name).filter(Boolean))].join(', ') || 'it names none'}`);
}

/** A connection to localhost:PORT in the namespace of `nsFd`: IPv4 first, then IPv6 (containerd's order); the connected fd. */
export async function dialPod(nsFd: number, port: number, timeoutMs = 10_000): Promise<number> {
  try {
    return await native().connectInNetns(nsFd, '127.0.0.1', port, timeoutMs);
  } catch (e4) {
    try {
      return await native().connectInNetns(nsFd, '::1', port, timeoutMs);
    } catch {
      throw e4;
    }
  }
}

/**
 * `port-forward svc/NAME`: the first ready pod behind the Service and, for each port given as
 * one of the Service's (number or name), that pod's target port.
 */
export function servicePod(paths: Paths, namespace: string, name: string, ports: string[]): { record: PodRecord; ports: number[] } {
  const { readObject, objectNotFound } = require('../state/objects') as typeof import('../state/objects');
  const { currentEndpoints } = require('./network/services-sync') as typeof import('./network/services-sync');
  const { readPodRecord } = require('../state/pod-records') as typeof import('../state/pod-records');
  if (!readObject(paths, 'Service', namespace, name)) throw objectNotFound('Service', namespace, name);
  const e = currentEndpoints(paths).find((x) => x.service.metadata.namespace === namespace && x.service.metadata.name === name)!;
  const pod = e.pods[0];
  const record = pod && readPodRecord(paths, `${namespace}_${pod.name}`);
  if (!record) throw new PodrunError(`service/${name} has no ready pod to forward to`, `\`podrun describe svc ${name}\` shows its selector and endpoints`);
  const out = ports.map((p) => {
    const sp = e.service.spec.ports.find((x) => (/^\d+$/.test(p) ? x.port === Number(p) : x.name === p));
    if (!sp) throw new PodrunError(`service/${name} has no port ${p}`, `its ports: ${e.service.spec.ports.map((x) => x.name ?? x.port).join(', ')}`);
    if (typeof sp.targetPort === 'number') return sp.targetPort;
    return resolveRemotePort(record.plan, sp.targetPort);
  });
  return { record, ports: out };
}
