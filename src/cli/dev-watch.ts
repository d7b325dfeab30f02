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
import { readPodRecord, type PodRecord } from '../state/pod-records';
import { graceDeadline, killContainerInstance, type GraceWatch } from '../runtime/stop';
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
  /** The live line and Ctrl-C of a restart's grace wait. */
  watch?: GraceWatch;
}

export interface DevWatch {
  /** Stops watching; resolves once what was under way (a re-apply, an exec) has ended. */
  close(): Promise<void>;
}

/** A restarted container's own first writes under its hostPaths do not restart it again; nor an exec's last ones. */
const QUIET_AFTER_RESTART_MS = 1000;
const QUIET_AFTER_EXEC_MS = 300;
/** The longest a restart is waited for (its grace period and start) before the quiet time begins anyway. */
const RESTARTED_WAIT_MS = 120_000;

interface Debounced {
  kick(why: string): void;
  /** No more runs; resolves once a run in progress has ended. */
  cancel(): Promise<void>;
}

/**
 * Runs FN at most once at a time, DEBOUNCE_MS after the last `kick`; kicks during a run make one
 * more, unless QUIET says the run's own writes are to be left alone (an exec's build output, a
 * restarted container's first writes). A failure of FN is said with NOTE, never thrown.
 */
function debounced(fn: (why: string[]) => Promise<void>, note: (t: string) => void, quiet?: { duringRun?: boolean; afterMs?: number }): Debounced {
  let timer: NodeJS.Timeout | undefined;
  let run: Promise<void> | undefined;
  let again = false;
  let cancelled = false;
  let quietUntil = 0;
  let why: string[] = [];
  const fire = async () => {
    timer = undefined;
    if (cancelled) return;
    if (run) {
      again = true;
      return;
    }
    const w = why;
    why = [];
    run = fn(w).catch((e) => note(`watch: ${(e as Error).message}\n`));
    await run;
    run = undefined;
    quietUntil = Date.now() + (quiet?.afterMs ?? 0);
    if (again && !cancelled) {
      again = false;
      timer = setTimeout(() => void fire(), DEBOUNCE_MS);
    }
  };
  return {
    kick(w) {
      if (cancelled || (run && quiet?.duringRun) || Date.now() < quietUntil) return;
      if (!why.includes(w)) why.push(w);
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void fire(), DEBOUNCE_MS);
    },
    async cancel() {
      cancelled = true;
      again = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await run;
    },
  };
}

const changed = (why: string[]) => `${why.slice(0, 3).join(', ')}${why.length > 3 ? ` and ${why.length - 3} more` : ''} changed`;

export function startDevWatch(opts: DevWatchOptions): DevWatch {
  let closed = false;
  let trees: { tree: TreeWatch; action: Debounced }[] = [];
  const manifestWatchers: FSWatcher[] = [];
  const children = new Set<ReturnType<typeof spawn>>();
  // The manifests are the manifest watcher's: a hostPath tree that holds them (`hostpath-base: ..`
  // with `path: .`) leaves them out, so an edit re-applies and does not also restart.
  const manifestPaths = opts.files.map((f) => resolve(f));

  const dropTrees = async () => {
    const old = trees;
    trees = [];
    for (const t of old) t.tree.close();
    await Promise.all(old.map((t) => t.action.cancel()));
  };
  const watchHostPaths = async (pods: { namespace: string; name: string }[]) => {
    await dropTrees();
    if (closed) return;
    for (const p of pods) {
      const r = readPodRecord(opts.paths, podKey(p.namespace, p.name));
      if (!r) continue;
      for (const target of watchTargets(r.manifest.metadata.annotations, r.plan)) {
        const quiet = target.action.kind === 'exec' ? { duringRun: true, afterMs: QUIET_AFTER_EXEC_MS } : { afterMs: QUIET_AFTER_RESTART_MS };
        const action = debounced((why) => act(r, p.namespace, p.name, target, why), opts.note, quiet);
        for (const dir of target.dirs) {
          const ignored = ignoreMatcher(podrunIgnore(dir));
          const isManifest = (rel: string) => manifestPaths.some((m) => { const abs = join(dir, rel); return abs === m || abs.startsWith(`${m}/`); });
          const tree = watchTree(dir, { ignore: (rel, isDir) => ignored(rel, isDir) || isManifest(rel), onChange: (rel) => action.kick(rel), warn: (t) => opts.note(`${t}\n`) });
          trees.push({ tree, action });
        }
      }
    }
  };

  const act = async (record: PodRecord, ns: string, pod: string, t: WatchTarget, why: string[]) => {
    const lasting = record.plan.dirs.lasting;
    if (closed) return;
    if (t.action.kind === 'restart') {
      const { controlRequest, controlStatus } = await import('../runtime/control');
      const status = async () => (await controlStatus(lasting))?.containers.find((c) => c.name === t.container);
      let how = ' watch';
      for (let i = 0; i < 50 && !closed; i++) {
        const before = (await status())?.restartCount ?? 0;
        const r = await controlRequest(lasting, `restart ${t.container}${how}`, 5000);
        // a monitor of the podrun before takes `restart NAME watch` for a container named "NAME watch"
        if (how && r.ok === false && r.why.startsWith('error ENOENT')) {
          how = '';
          continue;
        }
        if (r.ok) {
          opts.note(`watch: pod/${pod} container ${t.container} restarted (${changed(why)})\n`);
          // `ok` comes as the kill begins: the quiet time after the restart starts once the new
          // instance runs; meanwhile the grace wait's line, and Ctrl-C kills the old one now
          const wait = opts.watch?.begin(`pod/${pod}`, graceDeadline(record.plan.terminationGracePeriodSeconds, 0));
          wait?.progress([t.container]);
          void wait?.now.then(() => killContainerInstance(record, t.container, before + 1));
          try {
            for (const end = Date.now() + RESTARTED_WAIT_MS; !closed && Date.now() < end; ) {
              const c = await status();
              if (!c || (c.restartCount > before && c.state !== 'waiting')) return;
              await new Promise((res) => setTimeout(res, 100));
            }
          } finally {
            wait?.end();
          }
          return;
        }
        if (!r.why.startsWith('error EBUSY')) return opts.note(`watch: pod/${pod} container ${t.container} not restarted: ${r.why}\n`);
        await new Promise((res) => setTimeout(res, 200)); // starting or being stopped: again shortly
      }
      return;
    }
    opts.note(`watch: pod/${pod} container ${t.container}: exec ${JSON.stringify(t.action.command)} (${changed(why)})\n`);
    const code = await execIn(opts.paths, ns, pod, t.container, t.action.command, (line) => opts.out(`${pod}/${t.container} exec | ${line}\n`), children);
    if (code !== 0) opts.note(`watch: pod/${pod} container ${t.container}: exec exited ${code}\n`);
  };

  // The manifests: a directory's *.yaml files, or the file (both watched through the directory).
  const manifests = debounced(async (why) => {
    if (closed) return;
    opts.note(`watch: ${changed(why)}: applying\n`);
    const pods = await opts.reapply();
    if (!closed) await watchHostPaths(pods);
  }, opts.note);
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
      if (n && (only ? n === only : /\.(ya?ml|json)$/.test(n) && !n.startsWith('.'))) manifests.kick(only ? f : join(f, n));
    });
    w.on('error', () => undefined);
    manifestWatchers.push(w);
  }
  void watchHostPaths(opts.pods);
  return {
    async close() {
      closed = true;
      for (const w of manifestWatchers) w.close();
      for (const c of children) c.kill('SIGTERM'); // an exec under way ends with the watch
      await Promise.all([manifests.cancel(), dropTrees()]);
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
function execIn(paths: Paths, ns: string, pod: string, container: string, command: string, line: (text: string) => void, children: Set<ReturnType<typeof spawn>>): Promise<number> {
  return new Promise((done) => {
    // this podrun's root and run root, however it was given them (--root, the environment)
    const env = { ...process.env, PODRUN_ROOT: paths.root, PODRUN_RUNROOT: paths.runRoot };
    const child = spawn(process.execPath, [process.argv[1], 'exec', '-n', ns, `${pod}/${container}`, '--', '/bin/sh', '-c', command], { stdio: ['ignore', 'pipe', 'pipe'], env });
    children.add(child);
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
      children.delete(child);
      if (buf) line(buf);
      done(code ?? 1);
    });
  });
}
