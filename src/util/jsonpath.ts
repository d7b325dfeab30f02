// The part of kubectl's JSONPath (k8s.io/client-go/util/jsonpath) that `wait --for=jsonpath=`
// is written with: `{.status.phase}` (braces and the leading dot optional, as kubectl's relaxed
// form), `.field`, `[N]`, `[*]` and filters `[?(@.type=="Ready")]`. Pure: an expression in, the
// values it finds in an object out; anything else is a usage error saying what is taken.
import { UsageError } from './errors';

type Segment = { field: string } | { index: number } | { all: true } | { filter: Segment[]; equals: string };

const HINT = 'podrun takes JSONPath with .field, [N], [*] and [?(@.field=="value")], e.g. {.status.phase} or {.status.conditions[?(@.type=="Ready")].status}';

/** Parses EXPR (kubectl's relaxed form: `{.a.b}`, `.a.b` or `a.b`). */
export function parseJsonPath(expr: string): Segment[] {
  // kubectl's relaxed form: `{.a.b}` or `.a.b` (braces both or neither)
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(expr.trim());
  if (!m) throw new UsageError(`jsonpath '${expr}': not a JSONPath expression`, HINT);
  const segs = parsePath(`.${m[1] ?? m[2]}`, expr);
  if (!segs.length) throw new UsageError(`jsonpath '${expr}': empty`, HINT);
  return segs;
}

function parsePath(s: string, expr: string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  while (i < s.length) {
    const rest = s.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z0-9_\-/]+)/.exec(rest))) out.push({ field: m[1] });
    else if ((m = /^\[(-?\d+)\]/.exec(rest))) out.push({ index: Number(m[1]) });
    else if ((m = /^\[\*\]/.exec(rest))) out.push({ all: true });
    else if ((m = /^\[\?\(@((?:\.[A-Za-z0-9_\-/]+)+)\s*==\s*(?:"([^"]*)"|'([^']*)'|([^)\s]+))\s*\)\]/.exec(rest))) out.push({ filter: parsePath(m[1], expr), equals: m[2] ?? m[3] ?? m[4] });
    else throw new UsageError(`jsonpath '${expr}': cannot read '${rest}'`, HINT);
    i += m[0].length;
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The values PATH finds in ROOT (none when a field is missing, as kubectl's AllowMissingKeys). */
export function findJsonPath(path: Segment[], root: unknown): unknown[] {
  let cur: unknown[] = [root];
  for (const seg of path) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('field' in seg) {
        if (isRecord(v) && Object.prototype.hasOwnProperty.call(v, seg.field)) next.push(v[seg.field]);
      } else if ('index' in seg) {
        if (Array.isArray(v)) {
          const i = seg.index < 0 ? v.length + seg.index : seg.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if ('all' in seg) {
        if (Array.isArray(v)) next.push(...v);
        else if (isRecord(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v))
        for (const e of v) {
          const found = findJsonPath(seg.filter, e);
          if (found.length === 1 && scalarText(found[0]) === seg.equals) next.push(e);
        }
    }
    cur = next;
  }
  return cur;
}

/** A found value as kubectl prints it for comparing (fmt's %v of a scalar). */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '<nil>';
  return undefined;
}
