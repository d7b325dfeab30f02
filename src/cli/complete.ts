// Shell completion's engine: `podrun __complete WORD... CURRENT` prints the candidates for the
// last word, one a line, as cobra's `__complete` does for kubectl (the shell scripts of
// cli/verbs/completion.ts only call it). What a word can be comes from the verbs' specs
// (cli/args.ts): verbs, subcommands, flags, a flag's values, and each operand (pods, their
// containers, resource types and names, namespaces, images). FILES_DIRECTIVE alone asks the
// shell for file names. It never fails: a candidate it cannot list (no root, no state) is left out.
import type { Completion, FlagSpec, VerbSpec } from './args';
import type { Paths } from '../util/paths';
import { OBJECT_KINDS, WORKLOAD_KINDS, isObjectKind, isWorkloadKind } from '../util/kinds';
import { resourceKind } from './resources';

export const FILES_DIRECTIVE = ':files';

export interface VerbTable {
  [verb: string]: { load: () => { spec?: VerbSpec }; summary: string };
}

/** The candidates for the last of WORDS (the words after `podrun`, globals already taken out). */
export function candidates(words: string[], verbs: VerbTable, paths: Paths): string[] {
  const cur = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const verbNames = [...Object.keys(verbs), 'help'];
  if (!before.length) return startingWith(verbNames, cur);
  const [verb, ...args] = before;
  if (verb === 'help') return before.length === 1 ? startingWith(verbNames, cur) : [];
  const entry = verbs[verb];
  if (!entry) return [];
  let spec = entry.load().spec;
  if (!spec) return [];
  let rest = args;
  if (spec.subcommands) {
    if (!rest.length) return startingWith(Object.keys(spec.subcommands), cur);
    spec = spec.subcommands[rest[0]];
    if (!spec) return [];
    rest = rest.slice(1);
  }
  return forSpec(spec, rest, cur, paths);
}

function forSpec(spec: VerbSpec, before: string[], cur: string, paths: Paths): string[] {
  const flags = spec.options;
  const byShort = (c: string) => Object.entries(flags).find(([, f]) => f.short === c);
  const flagOf = (word: string): [string, FlagSpec] | undefined => {
    if (word.startsWith('--')) {
      const name = word.slice(2).split('=')[0];
      return flags[name] ? [name, flags[name]] : undefined;
    }
    return /^-[A-Za-z]$/.test(word) ? byShort(word[1]) : undefined;
  };
  // the words so far: operands, and the flags' values (for -n and the pod of -c)
  const operands: string[] = [];
  const given: Record<string, string> = {};
  let pending: FlagSpec | undefined; // the last word is a flag waiting for its value: `-n <TAB>`
  let afterDashes = false;
  for (let i = 0; i < before.length; i++) {
    const w = before[i];
    if (w === '--') {
      afterDashes = true; // a command's own words follow (exec -- CMD)
      break;
    }
    const f = w.startsWith('-') && w !== '-' ? flagOf(w) : undefined;
    if (f?.[1].type === 'string') {
      if (w.includes('=')) given[f[0]] = w.slice(w.indexOf('=') + 1);
      else if (i === before.length - 1) pending = f[1];
      else given[f[0]] = before[++i];
    } else if (f) {
      if (f[0] === 'all-namespaces') given['all-namespaces'] = 'true';
    } else if (!w.startsWith('-')) operands.push(w);
  }
  if (afterDashes) return []; // the command's own words: the shell's default
  const scope: Scope = { paths, namespace: given['all-namespaces'] ? undefined : given.namespace || 'default', operands };
  if (pending) return values(pending.complete, cur, scope);
  // `--output=<TAB>`
  const eq = /^(--[^=]+)=(.*)$/.exec(cur);
  if (eq) {
    const f = flagOf(eq[1]);
    return f ? values(f[1].complete, eq[2], scope).map((v) => (v === FILES_DIRECTIVE ? v : `${eq[1]}=${v}`)) : [];
  }
  if (cur.startsWith('-')) {
    const all = Object.entries(flags).flatMap(([name, f]) => [`--${name}`, ...(f.short ? [`-${f.short}`] : [])]);
    return startingWith([...all, '--help'], cur);
  }
  const ops = spec.operands ?? [];
  // the operands in order; past them, the last again only where the verb takes several
  const at = operands.length < ops.length ? operands.length : spec.repeatLast ? ops.length - 1 : -1;
  return at < 0 ? [] : values(ops[at], cur, scope);
}

interface Scope {
  paths: Paths;
  /** undefined: every namespace (-A) */
  namespace: string | undefined;
  operands: string[];
}

const TYPE_NAMES = ['pods', ...Object.values(WORKLOAD_KINDS).map((k) => k.plural), ...Object.values(OBJECT_KINDS).map((k) => k.plural)];

function values(what: Completion | undefined, cur: string, scope: Scope): string[] {
  if (what === undefined) return [];
  if (what === 'files') return [FILES_DIRECTIVE];
  if (typeof what !== 'string') return startingWith([...what], cur);
  try {
    switch (what) {
      case 'pods': {
        // `pod/<TAB>`, `deploy/<TAB>`: the TYPE/NAME forms exec, logs and port-forward take
        const slash = cur.indexOf('/');
        if (slash > 0) return startingWith(namesOf(cur.slice(0, slash), scope, true).map((n) => `${cur.slice(0, slash)}/${n}`), cur);
        return startingWith(podNames(scope), cur);
      }
      case 'copy-specs': {
        // cp's operands: `POD:` for a pod's file, else a local file (kubectl's completion)
        if (cur.includes(':') || /^[/.~]/.test(cur)) return [FILES_DIRECTIVE];
        const pods = startingWith(podNames(scope).map((n) => `${n}:`), cur);
        return pods.length ? pods : [FILES_DIRECTIVE];
      }
      case 'containers':
        return startingWith(containerNames(scope), cur);
      case 'namespaces':
        return startingWith(namespaces(scope.paths), cur);
      case 'images':
        return startingWith(imageNames(scope.paths), cur);
      case 'resource-types': {
        // `pod/<TAB>`: the TYPE/NAME form
        const slash = cur.indexOf('/');
        if (slash > 0) return startingWith(namesOf(cur.slice(0, slash), scope).map((n) => `${cur.slice(0, slash)}/${n}`), cur);
        // `po,<TAB>`: the next kind of a comma list
        const listed = cur.slice(0, cur.lastIndexOf(',') + 1);
        return startingWith([...TYPE_NAMES, ...(listed ? [] : ['all'])].map((t) => listed + t), cur);
      }
      case 'resource-names': {
        const type = scope.operands[0];
        return type && !type.includes('/') ? startingWith(namesOf(type, scope), cur) : [];
      }
    }
  } catch {
    return []; // nothing to offer (no state yet, not root)
  }
  return [];
}

/** The names of TYPEWORD's objects; WORKLOADSONLY: only where a pod is meant (pods, workloads). */
function namesOf(typeWord: string, scope: Scope, workloadsOnly = false): string[] {
  const kind = resourceKind(typeWord);
  if (workloadsOnly && kind !== 'Pod' && !isWorkloadKind(kind)) return [];
  if (kind === 'Pod') return podNames(scope);
  if (isWorkloadKind(kind)) {
    const { listWorkloads } = require('../state/workloads') as typeof import('../state/workloads');
    return listWorkloads(scope.paths, kind, scope.namespace).map((r) => r.metadata.name);
  }
  if (isObjectKind(kind)) {
    const { listObjects } = require('../state/objects') as typeof import('../state/objects');
    return listObjects(scope.paths, kind, scope.namespace).map((o) => o.metadata.name);
  }
  return [];
}

function podNames(scope: Scope): string[] {
  const { listPodRecords } = require('../state/pod-records') as typeof import('../state/pod-records');
  return listPodRecords(scope.paths, scope.namespace).map((r) => r.plan.name);
}

/** The containers of the pod the first operand names (`web`, `pod/web`, `web/app`), init containers too (kubectl's -c takes them). */
function containerNames(scope: Scope): string[] {
  const first = scope.operands[0];
  if (!first) return [];
  const parts = first.split('/');
  const name = ['pod', 'pods', 'po'].includes(parts[0]) && parts.length > 1 ? parts[1] : parts[0];
  const { listPodRecords } = require('../state/pod-records') as typeof import('../state/pod-records');
  const rec = listPodRecords(scope.paths, scope.namespace ?? 'default').find((r) => r.plan.name === name);
  if (!rec) return [];
  return [...rec.plan.containers.map((c) => c.name), ...(rec.plan.initContainers ?? []).map((c) => c.name)].filter((n, i, a) => a.indexOf(n) === i);
}

function namespaces(paths: Paths): string[] {
  const { listPodRecords } = require('../state/pod-records') as typeof import('../state/pod-records');
  const { listWorkloads } = require('../state/workloads') as typeof import('../state/workloads');
  const { listObjects } = require('../state/objects') as typeof import('../state/objects');
  const seen = new Set(['default']);
  for (const r of listPodRecords(paths)) seen.add(r.plan.namespace);
  for (const k of Object.keys(WORKLOAD_KINDS) as Array<keyof typeof WORKLOAD_KINDS>) for (const r of listWorkloads(paths, k)) seen.add(r.metadata.namespace);
  for (const k of Object.keys(OBJECT_KINDS) as Array<keyof typeof OBJECT_KINDS>) for (const o of listObjects(paths, k)) seen.add(o.metadata.namespace);
  return [...seen].sort();
}

function imageNames(paths: Paths): string[] {
  const { openStore } = require('../images/store') as typeof import('../images/store');
  // as the user types them: `busybox:dev` for docker.io/library/busybox:dev
  const names = openStore(paths)
    .list()
    .flatMap((r) => r.names)
    .map((n) => n.replace(/^docker\.io\/(library\/)?/, ''));
  return [...new Set(names)].sort();
}

const startingWith = (all: string[], cur: string) => all.filter((c) => c.startsWith(cur));

/**
 * `podrun __complete WORD...`: prints the candidates. The line's global flags are read here
 * (`--root DIR` names the state to complete from), and `--root <TAB>` is a directory's.
 */
export function complete(words: string[], verbs: VerbTable, out: (s: string) => void): number {
  let found: string[] = [];
  try {
    const { resolvePaths } = require('../util/paths') as typeof import('../util/paths');
    const { VALUED_GLOBALS } = require('./globals') as typeof import('./globals');
    const all = words.length ? words : [''];
    const rest: string[] = [];
    const globals: Record<string, string> = {};
    for (let i = 0; i < all.length - 1; i++) {
      const w = all[i];
      const flag = w.split('=')[0];
      if (w === '--') {
        rest.push(...all.slice(i, -1));
        break;
      }
      if (VALUED_GLOBALS[flag]) {
        if (w.includes('=')) globals[VALUED_GLOBALS[flag]] = w.slice(w.indexOf('=') + 1);
        else if (i === all.length - 2) found = [FILES_DIRECTIVE]; // `--root <TAB>`
        else globals[VALUED_GLOBALS[flag]] = all[++i];
      } else if (w !== '--debug') rest.push(w);
    }
    if (!found.length) found = candidates([...rest, all[all.length - 1]], verbs, resolvePaths(globals));
  } catch {
    found = [];
  }
  if (found.length) out(found.join('\n') + '\n');
  return 0;
}
