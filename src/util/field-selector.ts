// kubectl's --field-selector: `key=value`, `key==value`, `key!=value`, comma-separated, all of
// them to hold. The keys are the API server's for each kind: metadata.name and metadata.namespace
// for every kind, and for pods the ones pkg/registry/core/pod's GetAttrs offers. Pure: a string in,
// a test of a v1 object out; an unknown key is the server's error.
import { UsageError } from './errors';
import { findJsonPath, parseJsonPath } from './jsonpath';

const COMMON = ['metadata.name', 'metadata.namespace'];
const POD = [...COMMON, 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'];

export interface FieldRequirement {
  key: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(text: string, kind: string, plural: string): FieldRequirement[] {
  const known = kind === 'Pod' ? POD : COMMON;
  const out: FieldRequirement[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9.]+)\s*(==|!=|=)\s*(.*)$/.exec(part);
    if (!m) throw new UsageError(`--field-selector: invalid selector: '${part}'; can't understand '${part}'`, 'use key=value, key==value or key!=value, comma-separated');
    if (!known.includes(m[1]))
      throw new UsageError(`field label not supported: ${m[1]}`, `${plural} take ${known.map((k) => `"${k}"`).join(', ')}`);
    out.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] });
  }
  return out;
}

/** Whether OBJECT (a v1 object as get -o json prints it) meets every requirement; a missing field is "". */
export function fieldsMatch(reqs: FieldRequirement[], object: unknown): boolean {
  return reqs.every((r) => {
    const v = findJsonPath(parseJsonPath(`{.${r.key}}`), object)[0];
    const text = v === undefined || v === null ? '' : String(v);
    return r.op === '=' ? text === r.value : text !== r.value;
  });
}
