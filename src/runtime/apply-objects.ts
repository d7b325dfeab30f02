// apply of ConfigMaps, Secrets and PersistentVolumeClaims: each is created, configured (changed)
// or unchanged, with the API server's update rules (ValidateConfigMapUpdate, ValidateSecretUpdate,
// ValidatePersistentVolumeClaimUpdate): an immutable object's data, a Secret's type and a
// claim's spec (but a larger storage request) cannot change. Every object is checked before any
// is written, so a refused change changes nothing.
import type { LoadedObject } from '../manifest/load';
import type { ConfigObject, PvcObject } from '../manifest/objects';
import { parseQuantityExact } from '../manifest/quantity';
import { canonicalJson } from '../util/canonical-json';
import { kindWord } from '../util/kinds';
import { ManifestErrors, PlanError } from '../util/errors';
import type { Paths } from '../util/paths';
import { listObjects, readObject, withObjectsLock, writeObject, type StoredObject } from '../state/objects';
import type { ServiceObject } from '../manifest/service';
import { AllocationError, allocateService, fixServiceSettings } from './network/service-alloc';
import { updateMountedCopies } from './config-volumes';

export type ObjectAction = 'created' | 'configured' | 'unchanged';

export interface ObjectOutcome {
  object: StoredObject | ConfigObject;
  action: ObjectAction;
}

export interface AppliedObjects {
  outcomes: ObjectOutcome[];
  /** Config volumes of running pods that could not take a change (they keep their files). */
  warnings: string[];
}

/** The object without what the store adds, keys sorted: two objects are the same when these are. */
function canonical(o: ConfigObject | StoredObject): string {
  const { uid: _u, creationTimestamp: _c, resourceVersion: _r, ...meta } = o.metadata as StoredObject['metadata'];
  return canonicalJson({ ...o, metadata: meta });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
/** What the API server would refuse in changing BEFORE into NEXT: [field path, message] pairs. */
export function updateProblems(before: ConfigObject, next: ConfigObject): [string[], string][] {
  const out: [string[], string][] = [];
  const IMMUTABLE = `Forbidden: field is immutable when \`immutable\` is set (${kindWord(before.kind)} "${before.metadata.name}" was applied with immutable: true)`;
  if (before.kind === 'ConfigMap' && next.kind === 'ConfigMap') {
    if (before.immutable) {
      if (!next.immutable) out.push([['immutable'], IMMUTABLE]);
      if (!same(before.data, next.data)) out.push([['data'], IMMUTABLE]);
      if (!same(before.binaryData, next.binaryData)) out.push([['binaryData'], IMMUTABLE]);
    }
  } else if (before.kind === 'Secret' && next.kind === 'Secret') {
    if (before.type !== next.type) out.push([['type'], `Invalid value: ${JSON.stringify(next.type)}: field is immutable (secret "${before.metadata.name}" has type ${JSON.stringify(before.type)})`]);
    if (before.immutable) {
      if (!next.immutable) out.push([['immutable'], IMMUTABLE]);
      if (!same(before.data, next.data)) out.push([['data'], IMMUTABLE]);
    }
  } else if (before.kind === 'PersistentVolumeClaim' && next.kind === 'PersistentVolumeClaim') {
    const storage = (p: PvcObject) => {
      const q = parseQuantityExact(p.spec.resources.requests.storage);
      return q.ok ? q.q.nanos : 0n;
    };
    const rest = (p: PvcObject) => ({ ...p.spec, resources: { ...p.spec.resources, requests: {} } });
    if (!same(rest(before), rest(next))) out.push([['spec'], `Forbidden: spec is immutable after creation except resources.requests for bound claims (persistentvolumeclaim "${before.metadata.name}")`]);
    else if (storage(next) < storage(before))
      out.push([['spec', 'resources', 'requests', 'storage'], `Forbidden: field can not be less than previous value (${String(before.spec.resources.requests.storage)})`]);
  }
  return out;
}

/** What apply would do with each object, without writing anything (`--dry-run`). */
export function planObjects(paths: Paths, objects: LoadedObject[]): ObjectOutcome[] {
  return objects.map((l) => {
    const before = readObject(paths, l.object.kind, l.object.metadata.namespace, l.object.metadata.name);
    return { object: l.object, action: !before ? 'created' : canonical(before) === canonical(l.object) ? 'unchanged' : 'configured' };
  });
}

/**
 * Stores every object, or none when one change is refused (a ManifestErrors naming each, exit 1),
 * then rewrites the config volumes of the running pods that project a changed one.
 */
export async function applyObjects(paths: Paths, objects: LoadedObject[]): Promise<AppliedObjects> {
  if (!objects.length) return { outcomes: [], warnings: [] };
  return withObjectsLock(paths, () => {
    const befores = objects.map((l) => readObject(paths, l.object.kind, l.object.metadata.namespace, l.object.metadata.name));
    const problems: PlanError[] = [];
    objects.forEach((l, i) => {
      const before = befores[i];
      if (!before) return;
      const { kind, metadata } = l.object;
      for (const [path, message] of updateProblems(before, l.object))
        problems.push(
          new PlanError(
            l.file,
            path,
            message,
            `\`podrun delete ${kindWord(kind)} ${metadata.name}${metadata.namespace === 'default' ? '' : ` -n ${metadata.namespace}`}\` and apply again to replace it`,
            l.lineOf?.(path) ?? l.line,
          ),
        );
    });
    const wanted = withServiceAddresses(paths, objects, befores, problems);
    if (problems.length) throw new ManifestErrors(problems);
    const outcomes = objects.map((l, i): ObjectOutcome => {
      const before = befores[i];
      if (before && canonical(before) === canonical(wanted[i])) return { object: before, action: 'unchanged' };
      return { object: writeObject(paths, wanted[i], before), action: before ? 'configured' : 'created' };
    });
    const changed = outcomes.flatMap((o) =>
      o.action !== 'unchanged' && (o.object.kind === 'ConfigMap' || o.object.kind === 'Secret') ? [{ kind: o.object.kind, namespace: o.object.metadata.namespace, name: o.object.metadata.name }] : [],
    );
    return { outcomes, warnings: changed.length ? updateMountedCopies(paths, changed) : [] };
  });
}

/**
 * The objects as they will be stored: Services with their cluster IP and nodePorts (kept from
 * before on a re-apply; this apply's others chosen first), and their host ports (nodePorts,
 * LoadBalancer ports) checked against the other Services, pods' hostPorts and host sockets.
 * What is refused goes into PROBLEMS, at its field.
 */
function withServiceAddresses(paths: Paths, objects: LoadedObject[], befores: (StoredObject | undefined)[], problems: PlanError[]): ConfigObject[] {
  if (!objects.some((l) => l.object.kind === 'Service')) return objects.map((l) => l.object);
  const stored = listObjects(paths, 'Service') as unknown as ServiceObject[];
  const settings = fixServiceSettings(paths, stored.length > 0);
  const id = (o: { metadata: { namespace: string; name: string } }) => `${o.metadata.namespace}/${o.metadata.name}`;
  const all = new Map(stored.map((o) => [id(o), o]));
  const others = (svc: ServiceObject) => [...all.values()].filter((o) => id(o) !== id(svc));
  const wanted = objects.map((l, i) => {
    if (l.object.kind !== 'Service') return l.object;
    try {
      const svc = allocateService(l.object, befores[i], others(l.object), settings.serviceCidr);
      all.set(id(svc), svc);
      return svc;
    } catch (e) {
      if (!(e instanceof AllocationError)) throw e;
      problems.push(new PlanError(l.file, e.path, e.message, e.hint, l.lineOf?.(e.path) ?? l.line));
      return l.object;
    }
  });
  if (problems.length) return wanted;
  const { serviceHostPortConflict } = require('./network/host-ports') as typeof import('./network/host-ports');
  objects.forEach((l, i) => {
    const svc = wanted[i];
    if (svc.kind !== 'Service') return;
    const c = serviceHostPortConflict(paths, svc, others(svc), settings.nodePortAddresses);
    if (c)
      problems.push(
        new PlanError(
          l.file,
          c.at,
          `port ${c.mapping.hostPort}/${c.mapping.protocol.toUpperCase()} on ${c.mapping.hostIP ?? 'every host address'} is taken by ${c.holder}`,
          'choose another port (or leave nodePort out), or stop what holds it; nothing was applied',
          l.lineOf?.(c.at) ?? l.line,
        ),
      );
  });
  return wanted;
}
