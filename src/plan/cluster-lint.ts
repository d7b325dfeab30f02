// `podrun lint --for-cluster` (docs/cli/lint.md): what in manifests podrun accepts will behave
// differently on a real cluster. Every manifest podrun runs is a valid Kubernetes object; these
// are the places where one machine and a cluster part ways. Pure: validated manifests in,
// findings (at their fields) out. (The scheduling fields podrun ignores, nodeSelector and the
// like, are validation's warnings already, printed by every command that reads the file.)
import type { PodManifest } from '../manifest/schema';
import type { ConfigObject } from '../manifest/objects';
import type { WorkloadManifest } from '../manifest/workload-schema';

export interface ClusterFinding {
  /** the field's path in the document (a workload's template fields under spec.template) */
  path: (string | number)[];
  message: string;
  hint: string;
  /** worth knowing, but no difference by itself (lint's exit code leaves it out) */
  advisory?: boolean;
}

/** A pod's findings; PREFIX: where its spec is in the document ([] for a Pod, spec.template for a workload's). */
export function podFindings(m: PodManifest, prefix: (string | number)[] = [], localImages: ReadonlySet<string> = new Set()): ClusterFinding[] {
  const out: ClusterFinding[] = [];
  const at = (...p: (string | number)[]) => [...prefix, ...p];
  for (const [k, v] of Object.entries(m.metadata.annotations ?? {}))
    if (k === 'podrun.dev' || k.startsWith('podrun.dev/') || k.endsWith('.podrun.dev') || k.includes('.podrun.dev/'))
      out.push({ path: at('metadata', 'annotations', k), message: `podrun's own annotation (${k}: ${v}): a cluster keeps it and does nothing with it`, hint: 'what it does here (a dev back-off, a workspace base, a file watch) is podrun\'s alone; keep it for the dev loop, it is harmless there' });
  (m.spec.volumes ?? []).forEach((v, i) => {
    if (!v.hostPath) return;
    const p = v.hostPath.path;
    if (!p.startsWith('/'))
      out.push({ path: at('spec', 'volumes', i, 'hostPath', 'path'), message: `a relative hostPath (${p}): podrun binds it from beside the file; a cluster's kubelet takes it on the node, from no folder of yours`, hint: 'on a cluster, ship the files in the image or a ConfigMap, or mount a PersistentVolumeClaim' });
    else out.push({ path: at('spec', 'volumes', i, 'hostPath', 'path'), message: `hostPath ${p} is this machine's; on a cluster it is a path on whichever node runs the pod`, hint: 'on a cluster, use a PersistentVolumeClaim, a ConfigMap or the image for files the pod needs' });
  });
  for (const f of ['hostPID', 'hostIPC'] as const)
    if (m.spec[f]) out.push({ path: at('spec', f), message: `${f}: here this machine's ${f === 'hostPID' ? 'processes' : 'IPC'}; on a cluster the node's`, hint: 'a cluster may refuse it (Pod Security "baseline" forbids it)' });
  if (m.spec.hostNetwork) out.push({ path: at('spec', 'hostNetwork'), message: "hostNetwork: here this machine's network; on a cluster the node's, its ports shared with every pod there", hint: 'prefer a Service; two such pods on one node cannot bind the same port' });
  const containers = [...(m.spec.initContainers ?? []).map((c, i) => ['initContainers', i, c] as const), ...m.spec.containers.map((c, i) => ['containers', i, c] as const)];
  for (const [list, i, c] of containers) {
    if (c.imagePullPolicy === 'Never')
      out.push({ path: at('spec', list, i, 'imagePullPolicy'), message: `imagePullPolicy: Never: a cluster's node runs ${c.image} only if it already has it (else ErrImageNeverPull)`, hint: 'push the image to a registry the cluster pulls from (podrun push) and use IfNotPresent' });
    else if (localImages.has(c.image))
      out.push({ path: at('spec', list, i, 'image'), message: `the copy of ${c.image} podrun runs was imported or committed here, never pulled; a cluster pulls ${c.image} from its registry`, hint: 'make sure the registry has the same image (podrun tag and podrun push); a well-known image such as busybox is there already', advisory: true });
    for (const [j, p] of (c.ports ?? []).entries())
      if (p.hostPort !== undefined) out.push({ path: at('spec', list, i, 'ports', j, 'hostPort'), message: `hostPort ${p.hostPort}: here on this machine; on a cluster on the node that runs the pod (one such pod per node)`, hint: 'prefer a Service (NodePort or LoadBalancer) to reach the pod' });
  }
  return out;
}

export function workloadFindings(w: WorkloadManifest, localImages?: ReadonlySet<string>): ClusterFinding[] {
  const out = podFindings(w.templatePod, ['spec', 'template'], localImages);
  if (w.kind === 'DaemonSet') out.push({ path: ['kind'], message: 'a DaemonSet: one pod here; on a cluster one on every node it matches', hint: 'size it for the cluster: its resources are taken on every node' });
  w.claimTemplates.forEach((t, i) => out.push({ path: ['spec', 'volumeClaimTemplates', i], message: `claim template ${t.name}: here a directory under podrun's root per pod; on a cluster a volume the StorageClass provisions`, hint: 'set storageClassName for the cluster if its default does not fit' }));
  return out;
}

export function objectFindings(o: ConfigObject): ClusterFinding[] {
  const out: ClusterFinding[] = [];
  if (o.kind === 'PersistentVolumeClaim')
    out.push({ path: ['spec'], message: "here a directory under podrun's root; on a cluster a volume its StorageClass provisions (with the size asked for)", hint: 'set storageClassName and an accessMode the cluster offers' });
  if (o.kind === 'Service') {
    const type = (o.spec as { type?: string }).type ?? 'ClusterIP';
    if (type === 'NodePort') out.push({ path: ['spec', 'type'], message: "NodePort: here published on 127.0.0.1 (PODRUN_NODEPORT_ADDRESSES); on a cluster on every node's addresses", hint: 'a NodePort is reachable from outside the cluster: check the firewall' });
    if (type === 'LoadBalancer') out.push({ path: ['spec', 'type'], message: "LoadBalancer: here the ports on 127.0.0.1; on a cluster a cloud load balancer with an external address (when the cluster has a provider)", hint: 'without a provider the Service stays <pending>' });
  }
  return out;
}
