// podrun logs POD[/CONTAINER] | TYPE/NAME | -l SEL [-c C | --all-containers] [-n NS] [-f] [-p] [--prefix] [--timestamps] [--tail N] [--since D | --since-time T] [--limit-bytes N]
// Reads the CRI log file the pod's monitor writes; both streams go to stdout in file order, as
// kubectl does. -f keeps reading until the container has ended and the file is drained.
import { existsSync } from 'fs';
import { UsageError } from '../../util/errors';
import { int, parseArgs, str, type VerbSpec } from '../args';
import { podTarget } from '../pod-target';
import { requireRoot } from '../root';
import { writeErr } from '../output';
import type { CliContext } from '../context';
import { pickContainer } from '../../runtime/exec';
import { containerLogFile, helper, monitorProcesses } from '../../runtime/helper';
import { containerAddress, namespaceFrom, namespaceOptions, containerOption } from '../resources';
import { findPod, listPodRecords, type PodRecord } from '../../state/pod-records';
import type { PlannedContainer } from '../../plan/types';
import { isAlive } from '../../state/proc';
import { filterLines, formatLine, LogLine, openLogFile, waitForChange } from '../../runtime/cri-log-reader';
import { parseDuration } from '../../util/duration';

export const spec: VerbSpec = {
  name: 'logs',
  usage:
    'podrun logs (POD[/CONTAINER] | TYPE/NAME | -l SELECTOR) [-c CONTAINER | --all-containers] [-n NAMESPACE] [-f] [-p] [--prefix] [--timestamps] [--tail N] [--since DURATION | --since-time TIME] [--limit-bytes N]',
  description:
    "Print a container's logs (stdout and stderr, in the order written), as kubectl logs does. The pod's monitor writes them whether or not a podrun command runs. With --all-containers or -l, several containers' logs: one after another, or interleaved as they come with -f.",
  examples: [
    ['the logs of pod web (one container)', 'podrun logs web'],
    ['follow the client container of pod hello', 'podrun logs -f hello/client'],
    ['the last 3 lines, with times', 'podrun logs hello -c client --tail 3 --timestamps'],
    ['the run before the last restart', 'podrun logs -p web'],
    ['every container of every pod labelled app=web, each line saying whose', 'podrun logs -l app=web --all-containers --prefix -f'],
  ],
  options: {
    ...namespaceOptions,
    ...containerOption,
    'all-containers': { type: 'boolean', help: "every container of the pod (init containers first)" },
    selector: { type: 'string', short: 'l', arg: 'SELECTOR', help: 'the pods with these labels (each its default container, or all with --all-containers); --tail defaults to 10' },
    follow: { type: 'boolean', short: 'f', help: 'keep printing new lines until the containers end' },
    prefix: { type: 'boolean', help: 'begin each line with [pod/NAME/CONTAINER]' },
    timestamps: { type: 'boolean', help: 'prefix each line with its time (RFC3339, nanoseconds)' },
    tail: { type: 'string', arg: 'N', help: 'only the last N lines of each container (-1: all; the default, or 10 with -l)' },
    since: { type: 'string', arg: 'DURATION', help: 'only lines newer than this: 5s, 2m, 1h30m' },
    'since-time': { type: 'string', arg: 'TIME', help: 'only lines from this RFC3339 time on (2026-12-07T10:00:00Z)' },
    'limit-bytes': { type: 'string', arg: 'N', help: 'at most N bytes of each container' },
    previous: { type: 'boolean', short: 'p', help: 'the instance before the current one (before the last restart)' },
  },
  operands: ['pods'],
};
const USAGE = spec.usage;

/** How often -f re-checks whether the container ended when the file is quiet. */
const FOLLOW_POLL_MS = 250;

interface Target {
  rec: PodRecord;
  container: PlannedContainer;
}

interface StreamOptions {
  follow: boolean;
  previous: boolean;
  tail?: number;
  sinceNanos?: bigint;
  limitBytes?: number;
  timestamps: boolean;
  prefix: boolean;
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('logs');
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`, `usage: ${USAGE}`);
  const selector = str(values.selector);
  if (selector !== undefined && positionals.length) throw new UsageError('only one of a pod and -l SELECTOR can be given', 'name a pod, or select pods by label');
  if (values['all-containers'] && values.container !== undefined) throw new UsageError('--all-containers and -c cannot be used together', 'name one container, or take them all');
  const tail = int(values.tail, 'tail') ?? (selector !== undefined ? 10 : undefined);
  if (tail !== undefined && tail < -1) throw new UsageError('--tail: expected a number >= 0 (or -1 for all)');
  const limitBytes = int(values['limit-bytes'], 'limit-bytes');
  if (limitBytes !== undefined && limitBytes <= 0) throw new UsageError('--limit-bytes: expected a number of bytes above 0');
  const o: StreamOptions = {
    follow: values.follow === true && !values.previous, // an ended instance's log is complete
    previous: values.previous === true,
    tail: tail === -1 ? undefined : tail,
    sinceNanos: since(str(values.since), str(values['since-time'])),
    limitBytes,
    timestamps: values.timestamps === true,
    prefix: values.prefix === true,
  };
  const ns = namespaceFrom(values);
  const targets = selector !== undefined ? selectedTargets(ctx, ns, selector, values['all-containers'] === true, str(values.container)) : podTargets(ctx, positionals[0], str(values.container), ns, values['all-containers'] === true);
  if (!targets.length) {
    writeErr(`No resources found in ${ns} namespace.\n`);
    return 0;
  }
  // `podrun logs -f x | head`: a closed pipe ends the command quietly, as with kubectl
  const out = { closed: false };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    out.closed = true;
  });
  const several = targets.length > 1;
  if (!several) return streamLogs(ctx, targets[0], o, out);
  // several: one after another, or (-f) all at once, lines interleaved as they come (kubectl's)
  const code = o.follow ? Math.max(0, ...(await Promise.all(targets.map((t) => streamLogs(ctx, t, o, out, true))))) : await sequential(targets, (t) => streamLogs(ctx, t, o, out, true));
  return code;
}

async function sequential<T>(items: T[], fn: (t: T) => Promise<number>): Promise<number> {
  let code = 0;
  for (const t of items) code = Math.max(code, await fn(t));
  return code;
}

function since(duration: string | undefined, time: string | undefined): bigint | undefined {
  if (duration !== undefined && time !== undefined) throw new UsageError('only one of --since and --since-time can be given');
  if (duration !== undefined) return BigInt(Date.now() - Math.round(parseDuration(duration))) * 1_000_000n;
  if (time === undefined) return undefined;
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(time) ? Date.parse(time) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--since-time: '${time}' is not an RFC3339 time`, 'e.g. --since-time 2026-12-07T10:00:00Z');
  return BigInt(ms) * 1_000_000n;
}

/** The pod named (or a workload's, a Service's), its container: the one asked for, all (--all-containers), or the default. */
function podTargets(ctx: CliContext, arg: string | undefined, container: string | undefined, ns: string, all: boolean): Target[] {
  const addr = containerAddress(podTarget(ctx.paths, arg, ns), container, ns, USAGE);
  const rec = findPod(ctx.paths, addr.namespace, addr.name);
  if (all) return allContainers(rec).map((c) => ({ rec, container: c }));
  // several containers and none named: the first, said on stderr, as kubectl logs does
  const picked = pickContainer(rec, addr.container, true);
  if (picked.defaulted) writeErr(picked.defaulted + '\n');
  return [{ rec, container: picked.container }];
}

/** -l: every pod of the namespace the selector picks, each its container -c names (a pod without it is said), its default one, or all. */
function selectedTargets(ctx: CliContext, ns: string, selector: string, all: boolean, named?: string): Target[] {
  const { parseSelector, selectorMatches } = require('../../util/selector') as typeof import('../../util/selector');
  const reqs = selector === '' ? undefined : parseSelector(selector);
  const pods = listPodRecords(ctx.paths, ns).filter((r) => !reqs || selectorMatches(reqs, r.manifest.metadata.labels));
  return pods.flatMap((rec) => {
    if (all) return allContainers(rec).map((container) => ({ rec, container }));
    if (named === undefined) return [{ rec, container: pickContainer(rec, undefined, true).container }];
    const c = allContainers(rec).find((x) => x.name === named);
    if (!c) writeErr(`error: container "${named}" is not in pod "${rec.plan.name}"\n`);
    return c ? [{ rec, container: c }] : [];
  });
}

/** kubectl's --all-containers: the init containers (sidecars among them), then the app containers. */
const allContainers = (rec: PodRecord): PlannedContainer[] => [...(rec.plan.initContainers ?? []), ...rec.plan.containers];

/**
 * One container's log to stdout; with -f until it has ended and its file is drained. SEVERAL:
 * one of many streams (a missing previous instance is said and skipped, not an error).
 */
async function streamLogs(ctx: CliContext, t: Target, o: StreamOptions, out: { closed: boolean }, several = false): Promise<number> {
  const { rec, container } = t;
  // The current instance is the running one, else the last that ended (a container waiting in
  // CrashLoopBackOff shows its last run, as kubectl does); -p the one before it.
  const st0 = helper.readContainerState(container);
  const current = st0?.state === 'waiting' ? (st0.lastState?.restartCount ?? 0) : (st0?.restartCount ?? 0);
  const instance = o.previous ? current - 1 : current;
  const file = containerLogFile(container.dirs.logDir, Math.max(instance, 0));
  if (o.previous && (instance < 0 || !existsSync(file) || (st0?.state === 'waiting' && !st0.lastState))) {
    const e = new UsageError(`previous terminated container "${container.name}" in pod "${rec.plan.name}" not found`);
    if (!several) throw e;
    writeErr(`error: ${e.message}\n`);
    return e.exitCode;
  }
  const prefix = o.prefix ? `[pod/${rec.plan.name}/${container.name}] ` : '';
  let left = o.limitBytes ?? Infinity;
  const print = (lines: LogLine[]) => {
    if (!lines.length || left <= 0) return;
    let text = lines.map((l) => prefix + formatLine(l, o.timestamps)).join('');
    let bytes = Buffer.byteLength(text);
    if (bytes > left) {
      // cut at a character's start: never more than the limit, never half a character
      const b = Buffer.from(text);
      let end = left;
      while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
      text = b.subarray(0, end).toString('utf8');
      bytes = left; // the stream is done
    }
    left -= bytes;
    ctx.out(text);
  };
  const reader = openLogFile(file);
  try {
    // The monitor logs a container's last output before it writes the exit record (finishedAt),
    // so finishedAt means the file is complete. Without a live monitor nothing more is written
    // to it (a container that outlived its monitor writes into a closed pipe), so the file is
    // complete too; a pod whose dir is gone has been deleted.
    let orphaned = false;
    const ended = () => {
      if (!existsSync(rec.plan.dirs.lasting)) return true;
      const st = helper.readContainerState(container);
      if (st?.finishedAt !== undefined) return true;
      // A newer instance started (or this one ended and waits to restart): this file is complete.
      if (st?.restartCount !== undefined && (st.restartCount !== instance || st.state === 'waiting')) return true;
      const mon = helper.readMonitorFile(rec.plan.dirs.lasting);
      if (isAlive(monitorProcesses(mon).monitor)) return false;
      orphaned = !!mon && !mon.stoppedAt && st?.pid !== undefined && st.startTime !== undefined && isAlive({ pid: st.pid, startTime: st.startTime });
      return true;
    };
    let endedBefore = ended();
    const first = reader.read();
    // Without -f a line still waiting for its end is shown as it is (no newline), like kubectl.
    const last = !o.follow || endedBefore;
    print(filterLines(last ? [...first, ...reader.flush()] : first, { tail: o.tail, sinceNanos: o.sinceNanos }));
    if (last) return 0;
    for (;;) {
      await waitForChange(file, FOLLOW_POLL_MS);
      if (out.closed || left <= 0) return 0;
      // Check "ended" before reading, so the last read sees everything written before the end.
      endedBefore = ended();
      print(filterLines(reader.read(), { sinceNanos: o.sinceNanos }));
      if (endedBefore) {
        print(filterLines(reader.read(), { sinceNanos: o.sinceNanos }));
        print(reader.flush());
        if (orphaned) writeErr(`podrun: the monitor of pod ${rec.plan.name} died: what ${container.name} writes now is not logged (\`podrun describe pod ${rec.plan.name}\`)\n`);
        return 0;
      }
    }
  } finally {
    reader.close(); // the EPIPE handler stays: a write may still fail after we return
  }
}
