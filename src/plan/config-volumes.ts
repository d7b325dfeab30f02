// configMap, secret, downwardAPI and projected volumes, and persistentVolumeClaim ones, in the
// plan. Pure: the objects' presence and keys come from the host facts (`configObjects`, read from
// the store), never their values; the downward API's values are the pod's own. A missing object
// or key that is not optional is a plan error (exit 1, nothing started), where the kubelet would
// leave the pod ContainerCreating with FailedMount events until it appears.
import { dirname, join, posix } from 'path';
import type { PodManifest, VolumeManifest } from '../manifest/schema';
import { claimDir } from '../util/paths';
import { KUBE_ROOT_CA, objectRef } from '../util/kinds';

export { objectRef } from '../util/kinds';
import { fieldRefValue } from './downward';
import { resourceFieldValue } from './resources';
import type { HostFacts, PlannedProjection, PlannedVolume } from './types';

/** The kubelet's default file mode in a config volume. */
export const DEFAULT_MODE = 0o644;


export const isConfigVolume = (v: VolumeManifest) => !!(v.configMap || v.secret || v.downwardAPI || v.projected);

/** Every ConfigMap, Secret and claim the pod's volumes name (what facts must look up). */
export function referencedObjects(spec: PodManifest['spec']): string[] {
  const out = new Set<string>();
  for (const v of spec.volumes ?? []) {
    if (v.configMap) out.add(objectRef('ConfigMap', v.configMap.name));
    if (v.secret) out.add(objectRef('Secret', v.secret.secretName));
    if (v.persistentVolumeClaim) out.add(objectRef('PersistentVolumeClaim', v.persistentVolumeClaim.claimName));
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) out.add(objectRef('ConfigMap', s.configMap.name));
      if (s.secret) out.add(objectRef('Secret', s.secret.name));
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef) out.add(objectRef('ConfigMap', e.valueFrom.configMapKeyRef.name));
      if (e.valueFrom?.secretKeyRef) out.add(objectRef('Secret', e.valueFrom.secretKeyRef.name));
    }
    for (const ef of c.envFrom ?? []) {
      if (ef.configMapRef) out.add(objectRef('ConfigMap', ef.configMapRef.name));
      if (ef.secretRef) out.add(objectRef('Secret', ef.secretRef.name));
    }
  }
  return [...out];
}

/** The downward API's `key="value"` lines (fieldpath.FormatMap): sorted keys, values quoted. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

type Fail = (path: (string | number)[], detail: string, hint: string) => void;

function downwardValue(item: { fieldRef?: { fieldPath: string }; resourceFieldRef?: { containerName?: string; resource: string; divisor?: string | number } }, m: PodManifest, facts: HostFacts): string {
  if (item.fieldRef) {
    if (item.fieldRef.fieldPath === 'metadata.labels') return formatMap(m.metadata.labels);
    if (item.fieldRef.fieldPath === 'metadata.annotations') return formatMap(m.metadata.annotations);
    return fieldRefValue(item.fieldRef.fieldPath, m, facts);
  }
  return resourceFieldValue(item.resourceFieldRef!, item.resourceFieldRef!.containerName ?? '', m.spec, facts);
}

/** A config or claim volume's plan (`undefined` for the other kinds), checking what it names exists. */
export function planConfigVolume(v: VolumeManifest, index: number, m: PodManifest, facts: HostFacts, configDir: string, fail: Fail): PlannedVolume | undefined {
  const at = (...p: (string | number)[]) => ['spec', 'volumes', index, ...p];
  const known = facts.configObjects ?? {};
  const ns = m.metadata.namespace;
  if (v.persistentVolumeClaim) {
    const c = v.persistentVolumeClaim;
    if (known[objectRef('PersistentVolumeClaim', c.claimName)] === undefined)
      fail(at('persistentVolumeClaim', 'claimName'), `persistentvolumeclaim "${c.claimName}" not found${ns === 'default' ? '' : ` in namespace "${ns}"`}`, 'apply the PersistentVolumeClaim first (it may be in the same files as the pod)');
    return { name: v.name, kind: 'claim', source: claimDir(facts.paths, ns, c.claimName), claim: { name: c.claimName, readOnly: c.readOnly === true } };
  }
  if (v.ephemeral) {
    // generic ephemeral volumes (KEP-1698): the claim is the pod's own, named <pod>-<volume>
    const t = v.ephemeral.volumeClaimTemplate;
    const name = `${m.metadata.name}-${v.name}`;
    const meta = t.metadata ?? {};
    return {
      name: v.name,
      kind: 'claim',
      source: claimDir(facts.paths, ns, name),
      claim: { name, readOnly: false, ephemeral: { ...(meta.labels ? { labels: meta.labels } : {}), ...(meta.annotations ? { annotations: meta.annotations } : {}), spec: t.spec as Record<string, unknown> } },
    };
  }
  if (v.image) {
    const img = facts.images[v.image.reference];
    return {
      name: v.name,
      kind: 'image',
      source: join(dirname(configDir), 'images', v.name),
      image: { ref: v.image.reference, pullPolicy: v.image.pullPolicy, ...(img ? { imageId: img.imageId, layerDirs: img.layerDirs } : {}) },
    };
  }
  if (!isConfigVolume(v)) return undefined;
  const sources: PlannedProjection[] = [];
  const object = (kind: 'ConfigMap' | 'Secret', name: string, optional: boolean, items: { key: string; path: string; mode?: number }[] | undefined, path: (string | number)[]) => {
    const keys = known[objectRef(kind, name)];
    if (keys === undefined) {
      // the API server's own kube-root-ca.crt, in every pod exported from a cluster (kube-api-access-*)
      if (!optional && !(kind === 'ConfigMap' && name === KUBE_ROOT_CA))
        fail(path, `${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${name}" not found${ns === 'default' ? '' : ` in namespace "${ns}"`}`, `apply the ${kind} first (it may be in the same files as the pod), or set optional: true`);
    } else if (!optional && keys !== null)
      for (const [j, it] of (items ?? []).entries())
        if (!keys.includes(it.key))
          fail([...path.slice(0, -1), 'items', j, 'key'], `${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${name}" has no key "${it.key}"`, keys.length ? `its keys are: ${keys.join(', ')}` : 'it has no keys');
    sources.push({ kind, name, optional, ...(items ? { items: items.map((i) => ({ key: i.key, path: i.path, ...(i.mode !== undefined ? { mode: i.mode } : {}) })) } : {}) });
  };
  const downward = (items: NonNullable<NonNullable<VolumeManifest['downwardAPI']>['items']>) =>
    sources.push({ kind: 'DownwardAPI', files: items.map((it) => ({ path: it.path, ...(it.mode !== undefined ? { mode: it.mode } : {}), value: downwardValue(it, m, facts) })) });
  let defaultMode = DEFAULT_MODE;
  if (v.configMap) {
    object('ConfigMap', v.configMap.name, v.configMap.optional === true, v.configMap.items, at('configMap', 'name'));
    defaultMode = v.configMap.defaultMode ?? DEFAULT_MODE;
  } else if (v.secret) {
    object('Secret', v.secret.secretName, v.secret.optional === true, v.secret.items, at('secret', 'secretName'));
    defaultMode = v.secret.defaultMode ?? DEFAULT_MODE;
  } else if (v.downwardAPI) {
    downward(v.downwardAPI.items ?? []);
    defaultMode = v.downwardAPI.defaultMode ?? DEFAULT_MODE;
  } else if (v.projected) {
    (v.projected.sources ?? []).forEach((s, k) => {
      if (s.configMap) object('ConfigMap', s.configMap.name, s.configMap.optional === true, s.configMap.items, at('projected', 'sources', k, 'configMap', 'name'));
      else if (s.secret) object('Secret', s.secret.name, s.secret.optional === true, s.secret.items, at('projected', 'sources', k, 'secret', 'name'));
      else if (s.downwardAPI) downward(s.downwardAPI.items ?? []);
      else if (s.serviceAccountToken) sources.push({ kind: 'ServiceAccountToken', path: s.serviceAccountToken.path });
    });
    defaultMode = v.projected.defaultMode ?? DEFAULT_MODE;
  }
  const planned: PlannedVolume = { name: v.name, kind: 'config', source: join(configDir, v.name), config: { sources, defaultMode } };
  // a path that is a file and a directory of the same payload (`x` and `x/y`) cannot be written
  const files = new Set(configFiles(planned, facts));
  for (const f of files)
    for (let d = posix.dirname(f); d !== '.'; d = posix.dirname(d))
      if (files.has(d)) fail(at(), `volume "${v.name}": "${d}" would be both a file and a directory (it holds "${f}")`, 'give the file another path');
  return planned;
}

/** The files a config volume will hold (paths relative to it), as far as the plan knows them. */
export function configFiles(v: PlannedVolume, facts: HostFacts): string[] {
  return (v.config?.sources ?? []).flatMap((s) => {
    if (s.kind === 'DownwardAPI') return s.files.map((f) => f.path);
    if (s.kind === 'ServiceAccountToken') return [s.path];
    return s.items ? s.items.map((i) => i.path) : (facts.configObjects?.[objectRef(s.kind, s.name)] ?? []) || [];
  });
}
