// The downward API's field values (pkg/fieldpath): for env (fieldRef) and downwardAPI volumes.
import type { PodManifest } from '../manifest/schema';
import type { HostFacts } from './types';
import { plannedPodIP, plannedPodIPs } from './network';

/** Downward API values (pkg/fieldpath): the paths rules.ts accepts. */
export function fieldRefValue(path: string, m: PodManifest, facts: HostFacts): string {
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sub) {
    const map = (sub[1] === 'labels' ? m.metadata.labels : m.metadata.annotations) ?? {};
    return Object.prototype.hasOwnProperty.call(map, sub[2]) ? map[sub[2]] : '';
  }
  switch (path) {
    case 'metadata.name':
      return m.metadata.name;
    case 'metadata.namespace':
      return m.metadata.namespace;
    case 'metadata.uid':
      return facts.uid;
    case 'status.podIP':
      return plannedPodIP(m, facts);
    case 'status.podIPs':
      return plannedPodIPs(m, facts);
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    case 'spec.nodeName':
      return facts.nodeName ?? '';
    case 'spec.serviceAccountName':
      return 'default';
    default:
      return '';
  }
}
