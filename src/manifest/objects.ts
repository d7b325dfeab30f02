// The objects that ride beside Pods in the same files: ConfigMap, Secret, PersistentVolumeClaim,
// Service (service.ts).
// Schemas (types and formats) and the API server's own rules for them (k8s.io/kubernetes
// pkg/apis/core/validation: ValidateConfigMap, ValidateSecret, ValidatePersistentVolumeClaim),
// so what podrun accepts a cluster accepts too. The output is the object as stored: a Secret's
// stringData folded into data (base64), as the API server does on write.
import { z } from 'zod';
import * as names from './names';
import { quoted } from './names';
import { metadataSchema, pvcSpecSchema, PVC_ACCESS_MODES, str } from './schema';

export { PVC_ACCESS_MODES } from './schema';
import { configKey, decodeBase64 } from './object-keys';

export { configKey, decodeBase64 } from './object-keys';
import { parseQuantityExact } from './quantity';
import type { FieldPath } from './yaml';

import type { ObjectKind } from '../util/kinds';
import { normalizeService, serviceRules, serviceSchema, type ServiceObject } from './service';

export type { ServiceObject, ServicePort } from './service';

export { OBJECT_KINDS, isObjectKind, type ObjectKind } from '../util/kinds';

/** The API server's limit on a ConfigMap's or Secret's data (MaxSecretSize, and ConfigMap's total). */
export const MAX_DATA_BYTES = 1024 * 1024;

/** Secret types Kubernetes defines and what each requires; any other type string is accepted as opaque, as the API server does. */
export const SECRET_TYPES = [
  'Opaque',
  'kubernetes.io/tls',
  'kubernetes.io/dockerconfigjson',
  'kubernetes.io/dockercfg',
  'kubernetes.io/basic-auth',
  'kubernetes.io/ssh-auth',
  'kubernetes.io/service-account-token',
  'bootstrap.kubernetes.io/token',
] as const;


const base64Value = z.string().superRefine((v, ctx) => {
  const d = decodeBase64(v);
  if ('at' in d)
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `illegal base64 data at input byte ${d.at}`, params: { hint: 'data values are base64 (e.g. `echo -n VALUE | base64 -w0`); write plain text under stringData instead' } });
});

const keyed = <V extends z.ZodTypeAny>(value: V) => z.record(str(configKey), value);

const metadata = metadataSchema;

const configMapSchema = () =>
  z
    .object({
      apiVersion: z.literal('v1'),
      kind: z.literal('ConfigMap'),
      metadata: metadata('ConfigMap'),
      data: keyed(z.string()).optional(),
      binaryData: keyed(base64Value).optional(),
      immutable: z.boolean().optional(),
    })
    .describe('ConfigMap');

const secretSchema = () =>
  z
    .object({
      apiVersion: z.literal('v1'),
      kind: z.literal('Secret'),
      metadata: metadata('Secret'),
      // "" is defaulted to Opaque, as the API server does
      type: z
        .string()
        .default('Opaque')
        .transform((t) => t || 'Opaque'),
      data: keyed(base64Value).optional(),
      stringData: keyed(z.string()).optional(),
      immutable: z.boolean().optional(),
    })
    .describe('Secret');


const pvcSchema = () =>
  z
    .object({
      apiVersion: z.literal('v1'),
      kind: z.literal('PersistentVolumeClaim'),
      metadata: metadata('PersistentVolumeClaim'),
      spec: pvcSpecSchema(),
    })
    .describe('PersistentVolumeClaim');

const SCHEMAS = { ConfigMap: configMapSchema, Secret: secretSchema, PersistentVolumeClaim: pvcSchema, Service: serviceSchema };
const built: Partial<Record<ObjectKind, z.ZodTypeAny>> = {};
/** The schema of one kind, built on first use. */
export function objectSchema(kind: ObjectKind): z.ZodTypeAny {
  return (built[kind] ??= SCHEMAS[kind]());
}

interface Meta {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface ConfigMapObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: Meta;
  data?: Record<string, string>;
  /** base64, as written */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}
export interface SecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: Meta;
  type: string;
  /** base64; stringData is folded in here on apply */
  data?: Record<string, string>;
  immutable?: boolean;
}
export interface PvcObject {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim';
  metadata: Meta;
  spec: {
    accessModes: (typeof PVC_ACCESS_MODES)[number][];
    resources: { requests: { storage: string | number }; limits?: { storage?: string | number } };
    storageClassName?: string;
    volumeMode: 'Filesystem' | 'Block';
  };
}
export type ConfigObject = ConfigMapObject | SecretObject | PvcObject | ServiceObject;

type Err = (path: FieldPath, detail: string, hint?: string) => void;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const b64Bytes = (v: unknown) => {
  if (typeof v !== 'string') return 0;
  const d = decodeBase64(v);
  return 'bytes' in d ? d.bytes.length : 0;
};

/** Rules across fields, on the raw value (every problem is reported, whatever zod said). */
export function objectRules(kind: ObjectKind, value: Record<string, unknown>, err: Err): void {
  if (kind === 'ConfigMap') {
    const data = isObj(value.data) ? value.data : {};
    const bin = isObj(value.binaryData) ? value.binaryData : {};
    for (const k of Object.keys(bin)) if (Object.prototype.hasOwnProperty.call(data, k)) err(['binaryData', k], `duplicate of key ${quoted(k)} present in data`, 'a key may be in data or in binaryData, not both');
    const size = Object.values(data).reduce<number>((n, v) => n + (typeof v === 'string' ? Buffer.byteLength(v) : 0), 0) + Object.values(bin).reduce<number>((n, v) => n + b64Bytes(v), 0);
    if (size > MAX_DATA_BYTES) err([], `Too long: must have at most ${MAX_DATA_BYTES} bytes (data and binaryData hold ${size})`, 'a ConfigMap holds at most 1 MiB; mount a hostPath for larger files');
    return;
  }
  if (kind === 'Secret') {
    const data = { ...(isObj(value.data) ? value.data : {}) };
    const keys = new Set([...Object.keys(data), ...Object.keys(isObj(value.stringData) ? value.stringData : {})]);
    const size = [...keys].reduce((n, k) => {
      const s = isObj(value.stringData) ? value.stringData[k] : undefined;
      return n + (typeof s === 'string' ? Buffer.byteLength(s) : b64Bytes(data[k]));
    }, 0);
    if (size > MAX_DATA_BYTES) err(['data'], `Too long: must have at most ${MAX_DATA_BYTES} bytes (the data holds ${size})`, 'a Secret holds at most 1 MiB');
    const type = typeof value.type === 'string' && value.type ? value.type : 'Opaque';
    const need = (key: string, why: string) => {
      if (!keys.has(key)) err(['data', key], 'Required', `a ${type} Secret needs the key ${quoted(key)} (${why})`);
    };
    const json = (key: string) => {
      const s = isObj(value.stringData) && typeof value.stringData[key] === 'string' ? (value.stringData[key] as string) : typeof data[key] === 'string' ? (decodeBase64(data[key] as string) as { bytes?: Buffer }).bytes?.toString('utf8') : undefined;
      if (s === undefined) return;
      // the API server's words: its message never quotes a Secret's value (V8's would)
      let parsed: unknown;
      try {
        parsed = JSON.parse(s);
      } catch (e) {
        const at = /position (\d+)/.exec((e as Error).message)?.[1];
        err(['data', key], `is not valid JSON${at ? ` (at byte ${at})` : ''}: <secret contents redacted>`, 'the value is a registry auth file, as `docker login` writes to ~/.docker/config.json');
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        err(['data', key], 'must be a JSON object: <secret contents redacted>', 'the value is a registry auth file, as `docker login` writes to ~/.docker/config.json: {"auths": {...}}');
    };
    switch (type) {
      case 'kubernetes.io/tls':
        need('tls.crt', 'the certificate chain, PEM');
        need('tls.key', 'the private key, PEM');
        break;
      case 'kubernetes.io/dockerconfigjson':
        need('.dockerconfigjson', 'a ~/.docker/config.json');
        json('.dockerconfigjson');
        break;
      case 'kubernetes.io/dockercfg':
        need('.dockercfg', 'a legacy ~/.dockercfg');
        json('.dockercfg');
        break;
      case 'kubernetes.io/basic-auth':
        if (!keys.has('username') && !keys.has('password')) {
          err(['data', 'username'], 'Required', 'a basic-auth Secret needs username or password');
          err(['data', 'password'], 'Required', 'a basic-auth Secret needs username or password');
        }
        break;
      case 'kubernetes.io/ssh-auth':
        need('ssh-privatekey', 'the private key');
        break;
      case 'kubernetes.io/service-account-token':
        err(['type'], 'podrun has no API server to issue service account tokens', 'use type Opaque for your own token');
        break;
    }
    return;
  }
  if (kind === 'Service') return serviceRules(value, err);
  pvcSpecRules(isObj(value.spec) ? value.spec : {}, ['spec'], err);
}

/** A claim's spec (a PersistentVolumeClaim's, or an ephemeral volume's template's) beyond its types. */
export function pvcSpecRules(spec: Record<string, unknown>, at: FieldPath, err: Err): void {
  const path = (...p: string[]) => [...at, ...p];
  if (spec.volumeMode === 'Block') err(path('volumeMode'), 'podrun gives claims a directory only (volumeMode Filesystem)', 'leave volumeMode out, or write Filesystem');
  const req = isObj(spec.resources) && isObj(spec.resources.requests) ? spec.resources.requests.storage : undefined;
  if (typeof req === 'string' || typeof req === 'number') {
    const q = parseQuantityExact(req);
    if (q.ok && q.q.nanos <= 0n) err(path('resources', 'requests', 'storage'), 'must be greater than zero', 'ask for the size you expect to use, e.g. `storage: 1Gi`');
  }
  if (typeof spec.storageClassName === 'string' && spec.storageClassName !== '' && names.dns1123Subdomain(spec.storageClassName))
    err(path('storageClassName'), `${quoted(spec.storageClassName)} is not a valid DNS-1123 subdomain`, 'a storage class name is lower-case letters, digits, "-" and "."');
}

/** The object as stored: a Secret's stringData folded into base64 data (stringData wins, as on the API server). */
export function normalizeObject(parsed: Record<string, unknown>): ConfigObject {
  if (parsed.kind === 'ConfigMap') {
    const o = { ...parsed } as unknown as ConfigMapObject;
    if (o.data) o.data = sortKeys(o.data);
    if (o.binaryData) o.binaryData = sortKeys(o.binaryData);
    return o;
  }
  if (parsed.kind === 'Service') return normalizeService(parsed);
  if (parsed.kind !== 'Secret') return parsed as unknown as ConfigObject;
  const { stringData, data, ...rest } = parsed as { stringData?: Record<string, string>; data?: Record<string, string> };
  const merged: Record<string, string> = { ...(data ?? {}) };
  for (const [k, v] of Object.entries(stringData ?? {})) merged[k] = Buffer.from(v, 'utf8').toString('base64');
  const out = { ...rest } as unknown as SecretObject;
  if (Object.keys(merged).length) out.data = sortKeys(merged);
  return out;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
