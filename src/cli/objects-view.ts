// How `get` and `describe` show ConfigMaps, Secrets and PersistentVolumeClaims: kubectl's columns
// and describe layout. A Secret's values are never printed here (only their sizes); `get -o
// yaml|json` prints the stored object, data included, as kubectl does.
import { existsSync } from 'fs';
import type { ObjectKind } from '../util/kinds';
import type { ConfigMapObject, PvcObject, SecretObject, ServiceObject } from '../manifest/objects';
import { claimDir, type StoredObject } from '../state/objects';
import type { Paths } from '../util/paths';
import { humanDuration } from './render';

const count = (...maps: (Record<string, unknown> | undefined)[]) => maps.reduce((n, m) => n + Object.keys(m ?? {}).length, 0);

const ACCESS_SHORT: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

/** A claim is Bound once a pod has used it (its directory exists), Pending before (WaitForFirstConsumer). */
export function claimPhase(paths: Paths, o: PvcObject): 'Bound' | 'Pending' {
  return existsSync(claimDir(paths, o.metadata.namespace, o.metadata.name)) ? 'Bound' : 'Pending';
}

export const claimVolumeName = (o: StoredObject) => `pvc-${o.metadata.uid}`;

/** The header and rows `get` prints for one kind (NAMESPACE first with -A). */
export function objectTable(paths: Paths, kind: ObjectKind, objects: StoredObject[], opts: { all: boolean; wide: boolean }): string[][] {
  const now = Date.now();
  const age = (o: StoredObject) => humanDuration(now - Date.parse(o.metadata.creationTimestamp));
  const ns = (o: StoredObject) => (opts.all ? [o.metadata.namespace] : []);
  const head = (cols: string[]) => [...(opts.all ? ['NAMESPACE'] : []), ...cols];
  if (kind === 'ConfigMap') return [head(['NAME', 'DATA', 'AGE']), ...objects.map((o) => [...ns(o), o.metadata.name, String(count((o as ConfigMapObject).data, (o as ConfigMapObject).binaryData)), age(o)])];
  if (kind === 'Secret') return [head(['NAME', 'TYPE', 'DATA', 'AGE']), ...objects.map((o) => [...ns(o), o.metadata.name, (o as SecretObject).type, String(count((o as SecretObject).data)), age(o)])];
  if (kind === 'Service')
    return [
      head(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', ...(opts.wide ? ['SELECTOR'] : [])]),
      ...objects.map((o) => {
        const s = o as unknown as ServiceObject;
        return [...ns(o), o.metadata.name, s.spec.type, s.spec.clusterIP ?? '<none>', externalIP(paths, s), servicePorts(s), age(o), ...(opts.wide ? [selectorText(s.spec.selector) || '<none>'] : [])];
      }),
    ];
  return [
    head(['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE', ...(opts.wide ? ['VOLUMEMODE'] : [])]),
    ...objects.map((o) => {
      const p = o as PvcObject & StoredObject;
      const bound = claimPhase(paths, p) === 'Bound';
      return [
        ...ns(o),
        p.metadata.name,
        bound ? 'Bound' : 'Pending',
        bound ? claimVolumeName(o) : '',
        bound ? String(p.spec.resources.requests.storage) : '',
        bound ? p.spec.accessModes.map((m) => ACCESS_SHORT[m] ?? m).join(',') : '',
        p.spec.storageClassName || '<unset>',
        '<unset>',
        age(o),
        ...(opts.wide ? [p.spec.volumeMode] : []),
      ];
    }),
  ];
}

function labelLines(title: string, map: Record<string, string> | undefined, width: number): string {
  const e = Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const pad = (s: string) => s.padEnd(width);
  if (!e.length) return `${pad(`${title}:`)}<none>\n`;
  return e.map(([k, v], i) => `${pad(i ? '' : `${title}:`)}${k}=${v}\n`).join('');
}

const selectorText = (sel: Record<string, string> | undefined) => Object.entries(sel ?? {}).map(([k, v]) => `${k}=${v}`).join(',');

/** A LoadBalancer Service's ports are published on the host's NodePort addresses (docs/networking.md); the others have none. */
const externalIP = (paths: Paths, s: ServiceObject) => {
  if (s.spec.type !== 'LoadBalancer') return '<none>';
  const { serviceSettings } = require('../runtime/network/service-alloc') as typeof import('../runtime/network/service-alloc');
  return serviceSettings(paths).nodePortAddresses.join(',');
};

/** kubectl's PORT(S): `80/TCP`, `80:30080/TCP` with a nodePort. */
export const servicePorts = (s: ServiceObject) => s.spec.ports.map((p) => `${p.port}${p.nodePort !== undefined ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',') || '<none>';

/** kubectl describe service, with the endpoints the host's rules use now. */
export function describeService(paths: Paths, o: StoredObject, endpoints: string[][]): string {
  const s = o as unknown as ServiceObject;
  const w = 26;
  const line = (k: string, v: string) => `${`${k}:`.padEnd(w)}${v}\n`;
  let out = line('Name', o.metadata.name) + line('Namespace', o.metadata.namespace);
  out += labelLines('Labels', o.metadata.labels, w) + labelLines('Annotations', o.metadata.annotations, w);
  out += line('Selector', selectorText(s.spec.selector) || '<none>');
  out += line('Type', s.spec.type);
  if (s.spec.clusterIP !== 'None') out += line('IP Family Policy', s.spec.ipFamilyPolicy ?? 'SingleStack') + line('IP Families', (s.spec.ipFamilies ?? ['IPv4']).join(','));
  out += line('IP', s.spec.clusterIP ?? '') + line('IPs', s.spec.clusterIP ?? '');
  if (s.spec.type === 'LoadBalancer') out += line('LoadBalancer Ingress', externalIP(paths, s));
  s.spec.ports.forEach((p, i) => {
    out += line('Port', `${p.name ?? '<unset>'}  ${p.port}/${p.protocol}`);
    out += line('TargetPort', `${p.targetPort}/${p.protocol}`);
    if (p.nodePort !== undefined) out += line('NodePort', `${p.name ?? '<unset>'}  ${p.nodePort}/${p.protocol}`);
    out += line('Endpoints', endpoints[i]?.join(',') ?? '');
  });
  out += line('Session Affinity', s.spec.sessionAffinity ?? 'None');
  if (s.spec.type !== 'ClusterIP') out += line('External Traffic Policy', s.spec.externalTrafficPolicy ?? 'Cluster');
  out += line('Internal Traffic Policy', s.spec.internalTrafficPolicy ?? 'Cluster');
  out += line('Events', '<none>');
  return out;
}

/** kubectl describe's text for one object; `usedBy`: pods (names) that mount a claim. */
export function describeObject(paths: Paths, o: StoredObject, usedBy: string[] = []): string {
  const w = o.kind === 'PersistentVolumeClaim' ? 15 : 14;
  const line = (k: string, v: string) => `${`${k}:`.padEnd(w)}${v}\n`;
  let out = line('Name', o.metadata.name) + line('Namespace', o.metadata.namespace);
  if (o.kind === 'PersistentVolumeClaim') {
    const bound = claimPhase(paths, o) === 'Bound';
    out += line('StorageClass', o.spec.storageClassName ?? '');
    out += line('Status', bound ? 'Bound' : 'Pending');
    out += line('Volume', bound ? claimVolumeName(o) : '');
    out += labelLines('Labels', o.metadata.labels, w) + labelLines('Annotations', o.metadata.annotations, w);
    out += line('Finalizers', '[kubernetes.io/pvc-protection]');
    out += line('Capacity', bound ? String(o.spec.resources.requests.storage) : '');
    out += line('Access Modes', bound ? o.spec.accessModes.map((m) => ACCESS_SHORT[m] ?? m).join(',') : '');
    out += line('VolumeMode', o.spec.volumeMode);
    out += line('Used By', usedBy.length ? usedBy.join('\n' + ' '.repeat(w)) : '<none>');
    out += bound
      ? line('Events', '<none>')
      : `Events:\n  Type    Reason                Age   From                         Message\n  ----    ------                ----  ----                         -------\n  Normal  WaitForFirstConsumer  ${humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp)).padEnd(4)}  persistentvolume-controller  waiting for first consumer to be created before binding\n`;
    return out;
  }
  out += labelLines('Labels', o.metadata.labels, w) + labelLines('Annotations', o.metadata.annotations, w);
  if (o.kind === 'Service') return out;
  if (o.kind === 'Secret') {
    out += `\nType:  ${o.type}\n\nData\n====\n`;
    for (const [k, v] of Object.entries(o.data ?? {})) out += `${k}:  ${Buffer.from(v, 'base64').length} bytes\n`;
    return out;
  }
  out += '\nData\n====\n';
  for (const [k, v] of Object.entries(o.data ?? {})) out += `${k}:\n----\n${v}\n\n`;
  out += '\nBinaryData\n====\n';
  for (const [k, v] of Object.entries(o.binaryData ?? {})) out += `${k}: ${Buffer.from(v, 'base64').length} bytes\n`;
  out += '\nEvents:  <none>\n';
  return out;
}
