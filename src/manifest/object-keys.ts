// The key of a ConfigMap or Secret (IsConfigMapKey), which is also the file name it becomes in a
// config volume: the pod schema checks items' keys with it, the objects' schemas their data.
import { quoted, type Problem } from './names';
import type { ConfigObject } from './objects';

const KEY = /^[-._a-zA-Z0-9]+$/;

export function configKey(v: string): Problem | undefined {
  const hint = "a key is letters, digits, '-', '_' and '.' (e.g. 'key.name', 'KEY_NAME' or 'key-name'), at most 253 characters";
  if (v.length > 253) return { detail: `key ${quoted(v.slice(0, 40))}... is longer than 253 characters`, hint };
  if (!KEY.test(v)) return { detail: `key ${quoted(v)} is not valid: a valid config key must consist of alphanumeric characters, '-', '_' or '.'`, hint };
  if (v === '.' || v === '..') return { detail: `key ${quoted(v)}: must not be '${v}'`, hint };
  if (v.startsWith('..')) return { detail: `key ${quoted(v)}: must not start with '..'`, hint: `${hint}; '..' starts the names the kubelet keeps for itself in a volume` };
  return undefined;
}


/** The keys an object holds (data and binaryData; a claim none), sorted. */
export function objectKeys(o: ConfigObject): string[] {
  if (o.kind === 'PersistentVolumeClaim') return [];
  return [...Object.keys(o.data ?? {}), ...Object.keys(o.kind === 'ConfigMap' ? (o.binaryData ?? {}) : {})].sort();
}
