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


/** The keys an object holds (data and binaryData; a claim or a Service none), sorted. */
export function objectKeys(o: ConfigObject): string[] {
  if (o.kind === 'PersistentVolumeClaim' || o.kind === 'Service') return [];
  return [...Object.keys(o.data ?? {}), ...Object.keys(o.kind === 'ConfigMap' ? (o.binaryData ?? {}) : {})].sort();
}

/** Standard base64 as Go's base64.StdEncoding decodes it (padding required, CR and LF skipped): the bytes, or where it breaks. */
export function decodeBase64(v: string): { bytes: Buffer } | { at: number } {
  const s = v.replace(/[\r\n]/g, '');
  const m = /[^A-Za-z0-9+/=]/.exec(s);
  if (m) return { at: m.index };
  if (s.length % 4 !== 0) return { at: s.length - (s.length % 4) };
  const pad = s.indexOf('=');
  if (pad >= 0 && (pad < s.length - 2 || !/^=+$/.test(s.slice(pad)))) return { at: pad };
  // Go's StdEncoding is not Strict: non-zero trailing bits ("QR==") decode, as in Node
  return { bytes: Buffer.from(s, 'base64') };
}
