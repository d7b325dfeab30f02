// `--watch` of `up` and `apply` (docs/cli/up.md, "Watch"): a change to a manifest of the set
// applies the files again (the re-apply rules decide what restarts: docs/reapply.md), and a
// change under a hostPath that a container's `watch.podrun.dev/CONTAINER` annotation names
// restarts that container (the monitor's `restart NAME watch`) or runs its command in it (the
// CLI's own `exec`). Changes are debounced (DEBOUNCE_MS after the last one); one action per
// container runs at a time, and changes meanwhile run it once more after.
import { spawn } from 'child_process';
import { readFileSync, statSync, watch, type FSWatcher } from 'fs';
import { basename, join, resolve } from 'path';
import type { Paths } from '../util/paths';
import { podKey } from '../util/paths';
import { readPodRecord } from '../state/pod-records';
import { ignoreMatcher, watchTargets, type WatchTarget } from '../plan/watch';
import { watchTree, type TreeWatch } from './watch-tree';

const DEBOUNCE_MS = 300;

export interface DevWatchOptions {
  paths: Paths;
  /** The -f inputs: a directory's *.yaml files, or a file. */
  files: string[];
  /** Applies the files again; resolves with the pods they define now. */
  reapply(): Promise<{ namespace: string; name: string }[]>;
  /** The pods to watch the hostPaths of, to begin with. */
  pods: { namespace: string; name: string }[];
  /** A line of what the watch does (stderr). */
  note(text: string): void;
  /** An exec's output, `pod/container exec | ` prefixed. */
  out(text: string): void;
}

export interface DevWatch {
  close(): void;
}

/** Runs FN at most once at a time, DEBOUNCE_MS after the last `kick`; kicks during a run make one more. */
function debounced(fn: (why: string[]) => Promise<void>): { kick(why: string): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let why: string[] = [];
  const fire = async () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = true;
    const w = why;
    why = [];
    try {
      await fn(w);
    } finally {
      running = false;
      if (again) {
        again = false;
        timer = setTimeout(() => void fire(), DEBOUNCE_MS);
      }
    }
  };
  return {
    kick(w) {
      if (!why.includes(w)) why.push(w);
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void fire(), DEBOUNCE_MS);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

const changed = (why: string[]) => `${why.slice(0, 3).join(', ')}${why.length > 3 ? ` and ${why.length - 3} more` : ''} changed`;

export function startDevWatch(opts: DevWatchOptions): DevWatch {
  let closed = false;
  let trees: { tree: TreeWatch; action: ReturnType<typeof debounced> }[] = [];
  const manifestWatchers: FSWatcher[] = [];

  const watchHostPaths = (pods: { namespace: string; name: string }[]) => {
    for (const t of trees) {
      t.tree.close();
      t.action.cancel();
    }
    trees = [];
    for (const p of pods) {
      const r = readPodRecord(opts.paths, podKey(p.namespace, p.name));
      if (!r) continue;
      for (const target of watchTargets(r.manifest.metadata.annotations, r.plan)) {
        const action = debounced((why) => act(r.plan.dirs.lasting, p.namespace, p.name, target, why));
        for (const dir of target.dirs) {
          const tree = watchTree(dir, { ignore: ignoreMatcher(podrunIgnore(dir)), onChange: (rel) => action.kick(rel), warn: (t) => opts.note(`${t}\n`) });
          trees.push({ tree, action });
        }
      }
    }
  };

  const act = async (lasting: string, ns: string, pod: string, t: WatchTarget, why: string[]) => {
    if (closed) return;
    if (t.action.kind === 'restart') {
      const { controlRequest } = await import('../runtime/control');
      for (let i = 0; i < 50 && !closed; i++) {
        const r = await controlRequest(lasting, `restart ${t.container} watch`, 5000);
        if (r.ok) return opts.note(`watch: pod/${pod} container ${t.container} restarted (${changed(why)})\n`);
        if (!r.why.startsWith('error EBUSY')) return opts.note(`watch: pod/${pod} container ${t.container} not restarted: ${r.why}\n`);
        await new Promise((res) => setTimeout(res, 200)); // starting or being stopped: again shortly
      }
      return;
    }
    opts.note(`watch: pod/${pod} container ${t.container}: exec ${JSON.stringify(t.action.command)} (${changed(why)})\n`);
    const code = await execIn(ns, pod, t.container, t.action.command, (line) => opts.out(`${pod}/${t.container} exec | ${line}\n`));
    if (code !== 0) opts.note(`watch: pod/${pod} container ${t.container}: exec exited ${code}\n`);
  };

  // The manifests: a directory's *.yaml files, or the file (both watched through the directory).
  const manifests = debounced(async (why) => {
    if (closed) return;
    opts.note(`watch: ${changed(why)}: applying\n`);
    const pods = await opts.reapply();
    if (!closed) watchHostPaths(pods);
  });
  for (const f of opts.files) {
    const abs = resolve(f);
    let dir = abs;
    let only: string | undefined;
    try {
      if (!statSync(abs).isDirectory()) [dir, only] = [join(abs, '..'), basename(abs)];
    } catch {
      continue;
    }
    const w = watch(dir, { persistent: true }, (_e, name) => {
      const n = name?.toString();
      if (n && (only ? n === only : /\.ya?ml$/.test(n) && !n.startsWith('.'))) manifests.kick(only ? f : join(f, n));
    });
    w.on('error', () => undefined);
    manifestWatchers.push(w);
  }
  watchHostPaths(opts.pods);
  return {
    close() {
      closed = true;
      manifests.cancel();
      for (const w of manifestWatchers) w.close();
      for (const t of trees) {
        t.tree.close();
        t.action.cancel();
      }
    },
  };
}

/** The `.podrunignore` lines at a watched directory's top (none: the defaults only). */
function podrunIgnore(dir: string): string[] {
  try {
    return readFileSync(join(dir, '.podrunignore'), 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** Runs COMMAND in the container with this CLI's own `exec` (/bin/sh -c), each output line to LINE; resolves with its exit code. */
function execIn(ns: string, pod: string, container: string, command: string, line: (text: string) => void): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [process.argv[1], 'exec', '-n', ns, `${pod}/${container}`, '--', '/bin/sh', '-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const take = (d: Buffer) => {
      buf += d.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        line(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', () => done(127));
    child.on('close', (code) => {
      if (buf) line(buf);
      done(code ?? 1);
    });
  });
}
