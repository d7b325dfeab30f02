// kubectl's `-o jsonpath=TEMPLATE` (k8s.io/client-go/util/jsonpath): text with `{...}` actions:
// a path (`{.items[*].metadata.name}`, its values joined by spaces), a quoted literal
// (`{"\n"}`), and `{range PATH}...{end}` (the inside once per value found, its paths relative to
// that value). Paths are util/jsonpath.ts's (.field, [N], [*], [?(@.f=="v")]); `{@}` is the
// current value. Pure: a template in, text out; a bad one is a usage error.
import { UsageError } from './errors';
import { findJsonPath, parseJsonPath } from './jsonpath';

type Node = { text: string } | { path: ReturnType<typeof parseJsonPath> | 'self' } | { range: ReturnType<typeof parseJsonPath>; body: Node[] };

const HINT = "e.g. -o jsonpath='{.items[*].metadata.name}' or -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'";

export function parseTemplate(template: string): Node[] {
  const stack: Node[][] = [[]];
  const ranges: Array<{ range: ReturnType<typeof parseJsonPath>; body: Node[] }> = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      stack[stack.length - 1].push({ text: template.slice(i) });
      break;
    }
    if (open > i) stack[stack.length - 1].push({ text: template.slice(i, open) });
    const close = closing(template, open);
    if (close < 0) throw new UsageError(`jsonpath template '${template}': a { without its }`, HINT);
    const action = template.slice(open + 1, close).trim();
    i = close + 1;
    if (/^"(?:[^"\\]|\\.)*"$/.test(action)) stack[stack.length - 1].push({ text: JSON.parse(action) as string });
    else if (/^'[^']*'$/.test(action)) stack[stack.length - 1].push({ text: action.slice(1, -1) });
    else if (action === '@') stack[stack.length - 1].push({ path: 'self' });
    else if (action.startsWith('range ')) {
      const r = { range: parseJsonPath(action.slice(6).trim()), body: [] as Node[] };
      stack[stack.length - 1].push(r);
      ranges.push(r);
      stack.push(r.body);
    } else if (action === 'end') {
      if (!ranges.pop()) throw new UsageError(`jsonpath template '${template}': {end} without its {range}`, HINT);
      stack.pop();
    } else stack[stack.length - 1].push({ path: parseJsonPath(`{${action.replace(/^@(?=[.[])/, '')}}`) }); // `{@.a}` is `{.a}`
  }
  if (ranges.length) throw new UsageError(`jsonpath template '${template}': {range} without its {end}`, HINT);
  return stack[0];
}

/** The } that closes the { at OPEN (a quoted literal may hold braces). */
function closing(s: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return i;
  }
  return -1;
}

/** A value as kubectl's jsonpath prints it: text as it is, anything else as JSON. */
export function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function renderTemplate(nodes: Node[], root: unknown): string {
  let out = '';
  for (const n of nodes) {
    if ('text' in n) out += n.text;
    else if ('range' in n) for (const v of findJsonPath(n.range, root)) out += renderTemplate(n.body, v);
    else out += (n.path === 'self' ? [root] : findJsonPath(n.path, root)).map(valueText).join(' ');
  }
  return out;
}
