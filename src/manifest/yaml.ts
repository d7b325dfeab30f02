// Safe YAML reading for pod files: bounded size and depth, valid UTF-8, no anchors, aliases, merge
// keys or tags beyond the core schema, no duplicate keys (js-yaml's own check), and a map from
// every field path to the line it is written on so each error can point at its line.
// js-yaml has no alias limit (nodeca/js-yaml#742): we refuse the first anchor instead, before any
// alias can expand (tags outside the core schema fail as unknown); that stops the billion-laughs class (cf. Kubernetes CVE-2019-11253).
import * as yaml from 'js-yaml';

/** The API server's limit on a request body (3 MiB): a 1 MiB Secret in base64 fits, with room. */
export const MAX_FILE_BYTES = 3 * 1024 * 1024;
export const MAX_DEPTH = 40;

// YAML 1.1's octal integers, as kubectl reads them (sigs.k8s.io/yaml uses go-yaml v2, YAML 1.1):
// `defaultMode: 0644` is 420 on a cluster, while YAML 1.2 (js-yaml's core schema) reads it as
// 644. The core int type with a leading-zero octal added; js-yaml keeps one type per tag, so
// this one replaces the core's.
// (js-yaml 4 exports its types; @types/js-yaml does not declare them)
const CORE_INT = (yaml as unknown as { types: { int: yaml.TypeConstructorOptions & { resolve(d: string): boolean; construct(d: string): unknown } } }).types.int;
const yaml11Octal = (d: string) => /^[-+]?0[0-7_]+$/.test(d);
const INT = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (d: string | null) => d !== null && (yaml11Octal(d) || CORE_INT.resolve(d)),
  construct: (d: string) => {
    if (!yaml11Octal(d)) return CORE_INT.construct(d);
    const s = d.replace(/_/g, '');
    return (s.startsWith('-') ? -1 : 1) * parseInt(s.replace(/^[-+]/, ''), 8);
  },
  predicate: CORE_INT.predicate,
  represent: CORE_INT.represent,
  defaultStyle: CORE_INT.defaultStyle,
} as yaml.TypeConstructorOptions);
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [INT] });

export type FieldPath = (string | number)[];

export interface YamlProblem {
  line?: number;
  path: FieldPath;
  detail: string;
  hint?: string;
}

export interface YamlDocument {
  /** 1-based line where the document's content starts. */
  line: number;
  value: unknown;
  /** 1-based line of a field path; falls back to the nearest written ancestor. */
  lineOf(path: readonly (string | number)[]): number;
}

interface Frame {
  line: number;
  children: Frame[];
  kind?: string | null;
  result?: unknown;
}

interface ListenerState {
  line: number;
  kind: string | null;
  result: unknown;
  depth: number;
  anchorMap?: Record<string, unknown>;
}

class Refused extends Error {
  constructor(readonly line: number, readonly detail: string, readonly hint: string) {
    super(detail);
  }
}

const pathKey = (path: readonly (string | number)[]) => JSON.stringify(path);

/** Decodes bytes as UTF-8, refusing invalid sequences; strips a BOM. */
export function decodeUtf8(buf: Buffer): { text: string } | { problem: YamlProblem } {
  if (buf.length > MAX_FILE_BYTES)
    return { problem: { path: [], detail: `file is ${buf.length} bytes, over the ${MAX_FILE_BYTES}-byte limit`, hint: 'a manifest is a few KiB (a ConfigMap or Secret at most 1 MiB of data); split the file or check that it is the right one' } };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return { text: text.startsWith('\ufeff') ? text.slice(1) : text };
  } catch {
    return { problem: { path: [], detail: 'file is not valid UTF-8', hint: 'save the manifest as UTF-8 text' } };
  }
}

/** Parses every `---` document. On a syntax error returns it with no documents (nothing is trusted). */
export function readYaml(text: string): { docs: YamlDocument[]; problem?: YamlProblem } {
  if (text.length > MAX_FILE_BYTES)
    return { docs: [], problem: { path: [], detail: `input is over the ${MAX_FILE_BYTES}-byte limit`, hint: 'a pod manifest is a few KiB' } };
  const roots: Frame[] = [];
  const stack: Frame[] = [];
  const listener = (event: 'open' | 'close', state: ListenerState) => {
    // An anchor is stored when its node closes; refuse it at the very next event.
    for (const name in state.anchorMap ?? {})
      throw new Refused(lineOfText(text, `&${name}`) ?? state.line + 1, `YAML anchors and aliases are not allowed (found &${name})`, 'write the repeated value out in full; podrun refuses anchors so a small file cannot expand into a huge one');
    if (event === 'open') {
      if (stack.length >= MAX_DEPTH)
        throw new Refused(state.line + 1, `YAML nesting deeper than ${MAX_DEPTH} levels`, 'a pod manifest is never this deep; check the file');
      const frame: Frame = { line: state.line + 1, children: [] };
      (stack.length ? stack[stack.length - 1].children : roots).push(frame);
      stack.push(frame);
      return;
    }
    const frame = stack.pop();
    if (!frame) return;
    frame.kind = state.kind;
    frame.result = state.result;
  };
  let values: unknown[];
  try {
    values = yaml.loadAll(text, undefined, {
      schema: SCHEMA,
      listener: listener as unknown as yaml.LoadOptions['listener'],
      maxDepth: MAX_DEPTH + 5,
    } as yaml.LoadOptions);
  } catch (e) {
    if (e instanceof Refused) return { docs: [], problem: { line: e.line, path: [], detail: e.detail, hint: e.hint } };
    if (e instanceof yaml.YAMLException) {
      const reason = e.reason || e.message;
      const line = e.mark ? Math.min(e.mark.line + 1, lastLine(text)) : undefined;
      if (/alias/.test(reason))
        return { docs: [], problem: { line, path: [], detail: 'YAML anchors and aliases are not allowed', hint: 'write the repeated value out in full' } };
      if (/maxDepth/.test(reason))
        return { docs: [], problem: { line, path: [], detail: `YAML nesting deeper than ${MAX_DEPTH} levels`, hint: 'a pod manifest is never this deep; check the file' } };
      if (/duplicated mapping key/.test(reason)) {
        const key = line ? /^\s*(?:-\s+)?["']?([^"':#]+?)["']?\s*:/.exec(text.split('\n')[line - 1] ?? '')?.[1] : undefined;
        return { docs: [], problem: { line, path: [], detail: key ? `duplicate key "${key}"` : 'duplicate key in a mapping', hint: 'each field may appear only once; remove or merge the repeated key' } };
      }
      return { docs: [], problem: { line, path: [], detail: `YAML syntax error: ${reason}`, hint: 'check the indentation and quoting around this line' } };
    }
    if (e instanceof RangeError) return { docs: [], problem: { path: [], detail: 'YAML too deeply nested', hint: 'check the file' } };
    throw e;
  }
  // js-yaml composes one root node per document, in order, including empty ones.
  const docs: YamlDocument[] = [];
  let mergeLine: number | undefined;
  values.forEach((value, i) => {
    const root = roots[i];
    const lines = new Map<string, number>();
    let merge: number | undefined;
    const visit = (f: Frame, path: FieldPath) => {
      lines.set(pathKey(path), f.line);
      // js-yaml may try one more entry at the end of a block collection and compose an empty
      // node for it; drop such trailing attempts so keys and values pair up.
      const size = f.kind === 'mapping' ? Object.keys(f.result as object).length * 2 : Array.isArray(f.result) ? f.result.length : 0;
      while (f.children.length > size && f.children[f.children.length - 1].kind === null) f.children.pop();
      if (f.kind === 'mapping' && f.children.length % 2 === 0) {
        for (let c = 0; c < f.children.length; c += 2) {
          const key = f.children[c].result;
          if (key === '<<' && merge === undefined) merge = f.children[c].line;
          const p = [...path, String(key)];
          visit(f.children[c + 1], p);
          lines.set(pathKey(p), f.children[c].line);
        }
      } else if (f.kind === 'sequence') {
        f.children.forEach((child, n) => visit(child, [...path, n]));
      }
    };
    // The root frame wraps the document node in some js-yaml versions; descend to the one that matches.
    let node = root;
    while (node && node.children.length === 1 && node.result === value && node.children[0].result === value) node = node.children[0];
    if (node) visit(node, []);
    const start = node ? firstLine(node) : 1;
    if (merge !== undefined && mergeLine === undefined) mergeLine = merge;
    docs.push({
      line: start,
      value,
      lineOf(path) {
        for (let n = path.length; n >= 0; n--) {
          const l = lines.get(pathKey(path.slice(0, n)));
          if (l !== undefined) return l;
        }
        return start;
      },
    });
  });
  if (mergeLine !== undefined)
    return { docs: [], problem: { line: mergeLine, path: [], detail: 'YAML merge keys (<<) are not allowed', hint: 'write the merged fields out in full' } };
  return { docs };
}

function lineOfText(text: string, needle: string): number | undefined {
  const at = text.indexOf(needle);
  return at < 0 ? undefined : text.slice(0, at).split('\n').length;
}

function firstLine(f: Frame): number {
  return f.children.length ? firstLine(f.children[0]) : f.line;
}

/**
 * The last line of TEXT that has something on it: js-yaml marks an error found at the end of the
 * stream (an unclosed `[` or quote) after the final newline, a line the file does not have.
 */
function lastLine(text: string): number {
  const lines = text.split(/\r\n|\r|\n/); // js-yaml breaks lines at each of these
  let n = lines.length;
  while (n > 1 && lines[n - 1].trim() === '') n--;
  return n;
}
