// podrun up [-f FILE|DIR ...] [-d | --watch] [--timeout D] [--network NAME] [--force] [--no-color]
// The dev environment in the foreground, as `docker compose up`: apply the files (default
// pods/), wait until every pod is ready with a live status line, then follow every container's
// logs prefixed `pod/container | `. Ctrl-C stops the pods gracefully, all at once (their grace
// periods run together); a second Ctrl-C kills what is left now; a third leaves at once (the
// next podrun command finishes the deletes). Claims and hostPath data stay. -d: apply and wait,
// then return (0 when every pod is ready or completed). --watch: apply again when a manifest
// changes, and restart or exec in a container when its watched hostPath files change (dev-watch.ts).
import { existsSync } from 'fs';
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import { requireRoot } from '../root';
import { filenameOption } from '../resources';
import type { CliContext } from '../context';
import { liveLine, writeErr } from '../output';

export const spec: VerbSpec = {
  name: 'up',
  usage: 'podrun up [-f FILE|DIR ...] [-d | -w, --watch] [--timeout 5m] [--network NAME|none] [--force] [--no-color]',
  description:
    'Apply pods/ (or -f), wait until every pod is Ready, and follow their logs, as docker compose up does; Ctrl-C stops the pods. With -d it returns once they are Ready; with --watch it applies again whenever a file changes, restarting only what changed.',
  examples: [
    ['bring up pods/ and follow the logs', 'podrun up'],
    ['in the background', 'podrun up -d'],
    ['the dev loop: apply every change', 'podrun up --watch'],
  ],
  options: {
    ...filenameOption('the manifests (default pods/)'),
    detach: { type: 'boolean', short: 'd', help: 'return once every pod is Ready; the pods keep running' },
    timeout: { type: 'string', arg: 'DURATION', help: 'how long to wait for the pods to be Ready (default 5m)' },
    network: { type: 'string', arg: 'NAME|none', help: 'the pod network new pods join' },
    force: { type: 'boolean', help: 'delete and create again, also what has not changed' },
    'no-color': { type: 'boolean', help: 'no colours in the log prefixes' },
    watch: { type: 'boolean', short: 'w', help: 'apply again whenever a file changes' },
  },
};
const USAGE = spec.usage;
const DEFAULT_DIR = 'pods';
const UP_WAIT_DEFAULT = '5m';

type Pod = { namespace: string; name: string; uid: string };

/** The files of `up` and `down`: -f as given, else ./pods (a usage error when there is none). */
export function upFiles(given: string[] | undefined, verb: string): string[] {
  if (given?.length) return given;
  if (!existsSync(DEFAULT_DIR)) throw new UsageError(`podrun ${verb}: no ${DEFAULT_DIR}/ here`, `run it where your ${DEFAULT_DIR}/ directory is, or give -f FILE|DIR`);
  return [`${DEFAULT_DIR}/`];
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('up', 'it creates namespaces and mounts');
  if (values.watch && values.detach) throw new UsageError('--watch follows the files in the foreground; -d returns at once', 'leave out one of them');
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, `usage: ${USAGE}`);
  const files = upFiles(values.filename as string[] | undefined, 'up');
  const { parseWaitTimeout } = await import('./wait');
  const timeoutMs = parseWaitTimeout(str(values.timeout) ?? UP_WAIT_DEFAULT);
  const network = str(values.network);

  // Ctrl-C from here on: 1st stops the pods gracefully, 2nd kills now, 3rd leaves.
  const { graceWatch } = await import('../grace-wait');
  const watch = graceWatch({ sigint: false });
  let interrupts = 0;
  let wake = () => {};
  let applying = true;
  const onInt = () => {
    interrupts++;
    if (interrupts === 1 && applying) writeErr('\nthe pods stop once the apply under way has ended (Ctrl-C again: kill now)\n');
    if (interrupts === 1) wake();
    else if (interrupts === 2) {
      writeErr('\nkilling the pods now (Ctrl-C again: leave them to the next podrun command)\n');
      watch.interrupt();
    } else process.exit(130);
  };
  if (!values.detach) process.on('SIGINT', onInt);
  try {
    return await upWithCtrlC();
  } finally {
    process.removeListener('SIGINT', onInt);
  }

  async function upWithCtrlC(): Promise<number> {
    const stopping = () => interrupts > 0;
    const sleep = (ms: number) =>
      new Promise<void>((r) => {
        const t = setTimeout(r, ms);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });

    let pods: Pod[] = [];
    // the files' Jobs: they run on their own (not waited for or followed); Ctrl-C deletes them with their pods
    let jobs: { namespace: string; name: string }[] = [];
    const applyArgs = [...files.flatMap((f) => ['-f', f]), ...(network !== undefined ? ['--network', network] : []), ...(values.force ? ['--force'] : [])];
    // apply's lines go to stderr with the rest of up's own: stdout is the logs
    const apply = (await import('./apply')).run;
    const applyCode = await apply(applyArgs, { ...ctx, out: writeErr }, { applied: (p, j) => ((pods = p), (jobs = j)), watch: values.detach ? undefined : watch });
    applying = false;
    // a pod that failed to start is said by apply; the others are waited for and followed (exit 1 at the end)
    if (applyCode !== 0 && (!pods.length || applyCode === 2) && !stopping()) return applyCode;
    if (!pods.length) {
      writeErr(`no pods in ${files.join(', ')}: nothing to wait for or follow\n`);
      return 0;
    }

    // What the wait said of a pod (completed, failed) the log view does not say again.
    const said = new Set<string>();
    const say = (t: string) => {
      writeErr(t);
      said.add(t);
    };
    let code = Math.max(applyCode, stopping() ? 0 : await waitReady(ctx, pods, timeoutMs, stopping, sleep, say));
    if (values.detach) return code;
    // The logs are followed until the pods are gone: what they print while they stop is shown too.
    let stopped = false;
    let follower: ReturnType<typeof import('../follow-logs').followLogs> | undefined;
    if (!stopping()) {
      const tty = (require('tty') as typeof import('tty')).isatty(1);
      const { useColour } = await import('../up-view');
      const { followLogs } = await import('../follow-logs');
      const note = (t: string) => (stopping() || said.has(t) ? undefined : writeErr(t)); // while stopping, the stop says it
      const out = (t: string) => {
        watch.clear(); // a grace wait's line, while the pods stop
        ctx.out(t);
      };
      follower = followLogs(ctx.paths, pods, { colour: useColour(tty, process.env, values['no-color'] === true), out, note, stop: () => stopped, untilStopped: values.watch === true });
      const ctrlC = stopping() ? Promise.resolve() : new Promise<void>((r) => (wake = r));
      // --watch: the files applied again as they change (new pods joined to `pods`, which the follower and the stop read)
      const rewatch = async () => {
        applying = true; // a Ctrl-C meanwhile: the pods stop once it has ended
        try {
          return await reapply(apply, applyArgs, ctx, pods, watch);
        } finally {
          applying = false;
        }
      };
      const devWatch = values.watch ? (await import('../dev-watch')).startDevWatch({ paths: ctx.paths, files, pods, note: say, out, reapply: rewatch, watch }) : undefined;
      if (devWatch) say(`watching ${files.join(', ')} and the hostPaths of the containers with a watch annotation (Ctrl-C stops the pods)\n`);
      const ended = await Promise.race([follower, ctrlC]);
      // a re-apply under way ends first: what it makes is in `pods` before they are stopped
      await devWatch?.close();
      // every pod finished (or was deleted) on its own: up ends with them
      if (ended) return Math.max(code, ended.some((f) => f.finished === 'Failed') ? 1 : 0);
    }
    writeErr(`stopping ${pods.map((p) => `pod/${p.name}`).join(', ')}${interrupts > 1 ? ' now' : ' (Ctrl-C again: kill now)'}\n`);
    const { stopPods } = await import('../stop-pods');
    const { FOLLOW_TICK_MS } = await import('../follow-logs');
    try {
      // said after the log view's next read: what the pod printed as it stopped comes first
      const stoppedLine = async (p: Pod | { name: string }) => {
        if (follower) await new Promise((r) => setTimeout(r, FOLLOW_TICK_MS + 50));
        writeErr(`pod/${p.name} stopped\n`);
      };
      const { deleteWorkload } = await import('../../runtime/workloads');
      const stopJob = async (j: { namespace: string; name: string }) => {
        if (await deleteWorkload(ctx.paths, 'Job', j.namespace, j.name, { watch })) writeErr(`job.batch/${j.name} stopped (deleted with its pods)\n`);
      };
      [code] = await Promise.all([stopPods(ctx, pods, undefined, watch, stoppedLine), ...jobs.map(stopJob)]);
    } finally {
      stopped = true;
      await follower;
    }
    return code;
  }
}

/**
 * `--watch`'s re-apply: the files applied again (a bad file is said, nothing changes, and the
 * watch goes on); pods they now define that `pods` lacks (or made anew) are put in it.
 */
async function reapply(apply: typeof import('./apply').run, args: string[], ctx: CliContext, pods: Pod[], watch: import('../grace-wait').CliGraceWatch): Promise<Pod[]> {
  let now: Pod[] = [];
  try {
    await apply(args, { ...ctx, out: writeErr }, { applied: (p) => (now = p), watch });
  } catch (e) {
    const { PodrunError } = await import('../../util/errors');
    if (!(e instanceof PodrunError)) throw e;
    writeErr((await import('../render')).renderError(e));
    return pods;
  }
  for (const p of now) {
    const at = pods.findIndex((x) => x.namespace === p.namespace && x.name === p.name);
    if (at < 0) pods.push(p);
    else pods[at] = p;
  }
  return now;
}

/**
 * Waits until every pod is ready or completed (as `apply --wait` sees them), saying each as it
 * gets there, with a live line on a terminal; a failed pod is said and not waited for. Returns 1
 * when one failed or was not ready within TIMEOUTMS, else 0; stops early when STOP says so.
 */
async function waitReady(ctx: CliContext, pods: Pod[], timeoutMs: number, stop: () => boolean, sleep: (ms: number) => Promise<void>, say: (t: string) => void): Promise<number> {
  const { computePodStatus, k8sPod, snapshotPod, goDuration } = await import('../../runtime/pod-status');
  const { objectMeets } = await import('./wait');
  const { readPodRecord } = await import('../../state/pod-records');
  const { podKey } = await import('../../util/paths');
  const { waitingLine } = await import('../up-view');
  const tty = (require('tty') as typeof import('tty')).isatty(2);
  const start = Date.now();
  let pending = [...pods];
  let code = 0;
  const line = liveLine();
  const clear = () => line.clear();
  for (;;) {
    const progress = [];
    for (const p of [...pending]) {
      const r = readPodRecord(ctx.paths, podKey(p.namespace, p.name));
      if (!r || r.uid !== p.uid) {
        clear();
        say(`pod/${p.name} deleted\n`);
        pending = pending.filter((x) => x !== p);
        continue;
      }
      const snap = snapshotPod(r);
      const st = computePodStatus(snap);
      let met: boolean;
      try {
        met = objectMeets({ kind: 'applied' }, k8sPod(st, snap));
      } catch (e) {
        clear();
        writeErr(`error: ${(e as Error).message}\n`);
        code = 1;
        pending = pending.filter((x) => x !== p);
        continue;
      }
      if (met) {
        clear();
        say(`pod/${p.name} ${st.phase === 'Succeeded' ? 'completed' : 'ready'}\n`);
        pending = pending.filter((x) => x !== p);
      } else progress.push({ name: p.name, readyCount: st.readyCount, total: st.total, display: st.display });
    }
    if (!pending.length || stop()) break;
    if (Date.now() - start >= timeoutMs) {
      clear();
      for (const p of progress) writeErr(`warning: pod/${p.name} not ready after ${goDuration(timeoutMs)} (${p.readyCount}/${p.total} ${p.display}): \`podrun describe pod ${p.name}\` shows why\n`);
      code = 1;
      break;
    }
    if (tty) line.show(waitingLine(progress, Date.now() - start));
    await sleep(200);
  }
  clear();
  return code;
}
