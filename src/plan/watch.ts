// The watch annotation (docs/cli/up.md, "Watch"): `watch.podrun.dev/CONTAINER: restart` or
// `exec COMMAND` asks `up --watch` / `apply --watch` to restart that container, or run COMMAND in
// it (`/bin/sh -c`), when a file under a hostPath it mounts changes: compose's develop.watch
// `restart` and `sync+exec`, without copying, since the bind mount is already live. A real
// cluster ignores the annotation (any annotation is valid there). And the ignore patterns
// (`.git`, `node_modules`, a `.podrunignore` at the watched directory's top). Pure: table-tested.

import { parseWatchAction, WATCH_ANNOTATION_PREFIX, type WatchAction } from '../manifest/watch-annotation';

export interface WatchTarget {
  container: string;
  action: WatchAction;
  /** The host directories (hostPath volumes the container mounts) whose files it watches. */
  dirs: string[];
}

interface WatchPlan {
  volumes: readonly { name: string; kind: string; source: string; hostPathType?: string }[];
  containers: readonly { name: string; mounts: readonly { volume: string; subPath?: string }[] }[];
  initContainers?: readonly { name: string; mounts: readonly { volume: string; subPath?: string }[] }[];
}

/**
 * The containers a pod's annotations ask to watch, each with the hostPath directories it
 * mounts (a subPath narrows it to that part; a File hostPath is watched through its directory by
 * the watcher). A container without a hostPath has nothing to watch and is left out.
 */
export function watchTargets(annotations: Record<string, string> | undefined, plan: WatchPlan): WatchTarget[] {
  const out: WatchTarget[] = [];
  const all = [...(plan.initContainers ?? []), ...plan.containers];
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(WATCH_ANNOTATION_PREFIX)) continue;
    const c = all.find((x) => x.name === key.slice(WATCH_ANNOTATION_PREFIX.length));
    const action = parseWatchAction(value);
    if (!c || 'error' in action) continue; // validation refuses both
    const dirs: string[] = [];
    for (const m of c.mounts) {
      const v = plan.volumes.find((x) => x.name === m.volume && x.kind === 'hostPath');
      if (!v) continue;
      const dir = m.subPath ? `${v.source.replace(/\/+$/, '')}/${m.subPath}` : v.source;
      if (!dirs.includes(dir)) dirs.push(dir);
    }
    if (dirs.length) out.push({ container: c.name, action, dirs });
  }
  return out;
}

/** Always ignored: version control and dependency trees (compose's defaults are the same idea). */
const DEFAULT_IGNORES = ['.git', 'node_modules'];

function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * A matcher of paths relative to the watched directory, from `.podrunignore` lines (gitignore's
 * common subset: `#` comments, `name` or `*.log` for any path segment, `dir/` for directories
 * only, `a/b` or `/a` anchored at the top, `**`; a `!` line re-includes) plus DEFAULT_IGNORES.
 */
export function ignoreMatcher(lines: readonly string[]): (rel: string, isDir: boolean) => boolean {
  const rules: { re: RegExp; anchored: boolean; dirOnly: boolean; negate: boolean }[] = [];
  for (const raw of [...DEFAULT_IGNORES, ...lines]) {
    let l = raw.replace(/\s+$/, '');
    if (!l || l.startsWith('#')) continue;
    const negate = l.startsWith('!');
    if (negate) l = l.slice(1);
    const dirOnly = l.endsWith('/');
    if (dirOnly) l = l.slice(0, -1);
    const anchored = l.includes('/');
    if (l.startsWith('/')) l = l.slice(1);
    if (l) rules.push({ re: globRegex(l), anchored, dirOnly, negate });
  }
  return (rel, isDir) => {
    const parts = rel.split('/').filter(Boolean);
    let ignored = false;
    // a path is ignored when it, or a directory above it, matches (at each level the last matching rule wins)
    for (let n = 1; n <= parts.length; n++) {
      const prefix = parts.slice(0, n).join('/');
      const dir = n < parts.length || isDir;
      ignored = false;
      for (const r of rules) {
        if (r.dirOnly && !dir) continue;
        if (r.anchored ? r.re.test(prefix) : r.re.test(parts[n - 1])) ignored = !r.negate;
      }
      if (ignored && n < parts.length) return true;
    }
    return ignored;
  };
}
