// podrun logs POD[/CONTAINER] [-c C] [-n NS] [-f] [-p] [--timestamps] [--tail N] [--since DURATION]
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
import { findPod } from '../../state/pod-records';
import { isAlive } from '../../state/proc';
import { filterLines, formatLine, LogLine, openLogFile, waitForChange } from '../../runtime/cri-log-reader';
import { parseDuration } from '../../util/duration';

export const spec: VerbSpec = {
  name: 'logs',
  usage: 'podrun logs POD[/CONTAINER] [-c CONTAINER] [-n NAMESPACE] [-f] [-p] [--timestamps] [--tail N] [--since DURATION]',
  description: "Print a container's logs (stdout and stderr, in the order written), as kubectl logs does. The pod's monitor writes them whether or not a podrun command runs.",
  examples: [
    ['the logs of pod web (one container)', 'podrun logs web'],
    ['follow the client container of pod hello', 'podrun logs -f hello/client'],
    ['the last 3 lines, with times', 'podrun logs hello -c client --tail 3 --timestamps'],
    ['the run before the last restart', 'podrun logs -p web'],
  ],
  options: {
    ...namespaceOptions,
    ...containerOption,
    follow: { type: 'boolean', short: 'f', help: 'keep printing new lines until the container ends' },
    timestamps: { type: 'boolean', help: 'prefix each line with its time (RFC3339, nanoseconds)' },
    tail: { type: 'string', arg: 'N', help: 'only the last N lines (-1: all)' },
    since: { type: 'string', arg: 'DURATION', help: 'only lines newer than this: 5s, 2m, 1h30m' },
    previous: { type: 'boolean', short: 'p', help: 'the instance before the current one (before the last restart)' },
  },
  operands: ['pods'],
};
const USAGE = spec.usage;

/** How often -f re-checks whether the container ended when the file is quiet. */
const FOLLOW_POLL_MS = 250;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('logs');
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`, `usage: ${USAGE}`);
  const tail = int(values.tail, 'tail');
  if (tail !== undefined && tail < -1) throw new UsageError('--tail: expected a number >= 0 (or -1 for all)');
  const sinceStr = str(values.since);
  const sinceNanos =
    sinceStr === undefined ? undefined : BigInt(Date.now() - Math.round(parseDuration(sinceStr))) * 1_000_000n;
  const addr = containerAddress(podTarget(ctx.paths, positionals[0], namespaceFrom(values)), str(values.container), namespaceFrom(values), USAGE);
  const rec = findPod(ctx.paths, addr.namespace, addr.name);
  // several containers and none named: the first, said on stderr, as kubectl logs does
  const { container, defaulted } = pickContainer(rec, addr.container, true);
  if (defaulted) writeErr(defaulted + '\n');
  // The current instance is the running one, else the last that ended (a container waiting in
  // CrashLoopBackOff shows its last run, as kubectl does); -p the one before it.
  const st0 = helper.readContainerState(container);
  const current = st0?.state === 'waiting' ? (st0.lastState?.restartCount ?? 0) : (st0?.restartCount ?? 0);
  const instance = values.previous ? current - 1 : current;
  const file = containerLogFile(container.dirs.logDir, Math.max(instance, 0));
  if (values.previous && (instance < 0 || !existsSync(file) || (st0?.state === 'waiting' && !st0.lastState)))
    throw new UsageError(`previous terminated container "${container.name}" in pod "${rec.plan.name}" not found`);
  if (values.previous) values.follow = false; // an ended instance's log is complete
  const timestamps = values.timestamps === true;
  const print = (lines: LogLine[]) => {
    if (lines.length) ctx.out(lines.map((l) => formatLine(l, timestamps)).join(''));
  };

  // `podrun logs -f x | head`: a closed pipe ends the command quietly, as with kubectl
  let stdoutClosed = false;
  const onStdoutError = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutClosed = true;
  };
  process.stdout.on('error', onStdoutError);
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
    const last = !values.follow || endedBefore;
    print(filterLines(last ? [...first, ...reader.flush()] : first, { tail: tail === -1 ? undefined : tail, sinceNanos }));
    if (last) return 0;
    for (;;) {
      await waitForChange(file, FOLLOW_POLL_MS);
      if (stdoutClosed) return 0;
      // Check "ended" before reading, so the last read sees everything written before the end.
      endedBefore = ended();
      print(filterLines(reader.read(), { sinceNanos }));
      if (endedBefore) {
        print(filterLines(reader.read(), { sinceNanos }));
        print(reader.flush());
        if (orphaned) writeErr(`podrun: the monitor of pod ${rec.plan.name} died: what ${container.name} writes now is not logged (\`podrun describe pod ${rec.plan.name}\`)\n`);
        return 0;
      }
    }
  } finally {
    reader.close(); // the EPIPE handler stays: a write may still fail after we return
  }
}
