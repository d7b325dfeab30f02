// Kubernetes label selectors as kubectl's -l takes them (k8s.io/apimachinery labels.Parse):
// `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists), `!k` (does not), joined by
// commas, all of which must hold. Pure: a string in, a predicate over labels out, or an error.
import { UsageError } from './errors';

type Requirement = { key: string; op: 'in' | 'notin' | 'exists' | '!'; values: string[] };

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const PREFIX = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A qualified name: an optional DNS-1123 subdomain prefix (<= 253) and `/`, then a name (<= 63). */
function validKey(k: string): boolean {
  const slash = k.indexOf('/');
  const prefix = slash < 0 ? undefined : k.slice(0, slash);
  const name = slash < 0 ? k : k.slice(slash + 1);
  return (prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix))) && name.length <= 63 && NAME.test(name);
}
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function bad(selector: string, why: string): UsageError {
  return new UsageError(`-l: unable to parse requirement in '${selector}': ${why}`, 'write label selectors as kubectl does: app=web, tier!=db, env in (dev,test), !canary');
}

/** The requirements of SELECTOR, or a usage error naming what is wrong. */
export function parseSelector(selector: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  if (depth !== 0) throw bad(selector, 'unbalanced parentheses');
  const out: Requirement[] = [];
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) {
      if (parts.length === 1) return [];
      throw bad(selector, 'an empty requirement');
    }
    let m: RegExpExecArray | null;
    let req: Requirement;
    if ((m = /^([^\s=!]+)\s*(==|=|!=)\s*(\S*)$/.exec(p))) req = { key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] };
    else if ((m = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(p))) req = { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()) };
    else if ((m = /^!\s*(\S+)$/.exec(p))) req = { key: m[1], op: '!', values: [] };
    else if (/^\S+$/.test(p)) req = { key: p, op: 'exists', values: [] };
    else throw bad(selector, `'${p}' is neither key=value, key!=value, key in (...), key notin (...), key nor !key`);
    if (!validKey(req.key)) throw bad(selector, `'${req.key}' is not a valid label key`);
    for (const v of req.values) if (!VALUE.test(v) || v.length > 63) throw bad(selector, `'${v}' is not a valid label value`);
    out.push(req);
  }
  return out;
}

/** Whether LABELS satisfy every requirement (own keys only: `constructor` is no label). */
export function selectorMatches(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const has = (k: string) => !!labels && Object.prototype.hasOwnProperty.call(labels, k);
  return reqs.every((r) => {
    if (r.op === 'exists') return has(r.key);
    if (r.op === '!') return !has(r.key);
    if (r.op === 'in') return has(r.key) && r.values.includes(labels![r.key]);
    return !has(r.key) || !r.values.includes(labels![r.key]);
  });
}

/** A LabelSelector object (a workload's spec.selector): matchLabels and matchExpressions, all of which must hold. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

const OPERATORS = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const;

/** Whether LABELS satisfy a LabelSelector object (metav1.LabelSelectorAsSelector). */
export function labelSelectorMatches(sel: LabelSelectorObject, labels: Record<string, string> | undefined): boolean {
  const reqs: Requirement[] = [
    ...Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, op: 'in' as const, values: [v] })),
    ...(sel.matchExpressions ?? []).map((e) => ({ key: e.key, op: OPERATORS[e.operator], values: e.values ?? [] })),
  ];
  return selectorMatches(reqs, labels);
}

/** kubectl's SELECTOR column: `app=web,tier in (a,b)`. */
export function labelSelectorText(sel: LabelSelectorObject): string {
  const words = { In: 'in', NotIn: 'notin' } as const;
  return [
    ...Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(sel.matchExpressions ?? []).map((e) => (e.operator === 'Exists' ? e.key : e.operator === 'DoesNotExist' ? `!${e.key}` : `${e.key} ${words[e.operator]} (${(e.values ?? []).join(',')})`)),
  ].join(',');
}
