// `up`'s log view: every container of every pod, init containers and sidecars included, from its
// first instance on (so nothing written while `up` waited for readiness is lost), each line
// prefixed `pod/container | `. A container's next instance (a restart) is followed once its log
// file exists, after the last one's lines; a pod re-created (its record made again: an apply from
// elsewhere, a watch) starts over from its new files; a pod deleted is left. Ends when every pod
// has finished (Succeeded or Failed) or is gone (with --watch: only when STOP says so), or when
// STOP says so.
import { existsSync, readdirSync } from 'fs';
import { everyContainer } from '../plan/containers';
import { containerLogFile } from '../runtime/helper';
import { openLogFile, type LogFileReader, type LogLine } from '../runtime/cri-log-reader';
import { podKey, type Paths } from '../util/paths';
import { readPodRecord, type PodRecord } from '../state/pod-records';
import { podLockPath } from '../state/lock';
import { logPrefix } from './up-view';

interface Source {
  container: string;
  samePod: () => boolean;
  logDir: string;
  instance: number;
  reader: LogFileReader;
  prefix: string;
}

interface Followed {
  namespace: string;
  name: string;
  uid: string;
  createdAt?: string;
  sources: Source[];
  finished?: 'Succeeded' | 'Failed' | 'deleted';
}

/** How often the log files are read. */
export const FOLLOW_TICK_MS = 100;
/** How often the pods' records and phases are looked at (each tick only reads the log files). */
const CHECK_EVERY = 5;

export interface FollowOptions {
  colour: boolean;
  out(text: string): void;
  /** Said on stderr: a pod re-created, deleted, finished. */
  note(text: string): void;
  /** True once following is to end (`up`: once its pods are stopped, so what they print as they stop is shown). */
  stop(): boolean;
  /** `--watch`: go on until STOP even when every pod has ended (a re-apply may start them again), and follow pods added to PODS. */
  untilStopped?: boolean;
}

/** Follows until every pod has finished or is gone (their final phases), or STOP. */
export async function followLogs(paths: Paths, pods: { namespace: string; name: string; uid: string }[], opts: FollowOptions): Promise<Followed[]> {
  const { computePodStatus, snapshotPod } = await import('../runtime/pod-status');
  const followed: Followed[] = pods.map((p) => ({ ...p, sources: [] }));
  const records = followed.map((f) => readPodRecord(paths, podKey(f.namespace, f.name)));
  const width = Math.max(0, ...records.flatMap((r) => (r ? everyContainer(r.plan).map(({ c }) => r.plan.name.length + 1 + c.name.length) : [])));
  let next = 0;
  const open = (f: Followed, r: PodRecord) => {
    f.createdAt = r.createdAt;
    // a log file replaced at its path is the same pod's (rotations outran the reader) while its record was made when this one was
    const samePod = () => readPodRecord(paths, podKey(f.namespace, f.name))?.createdAt === r.createdAt;
    f.sources = everyContainer(r.plan).map(({ c }) => {
      const instance = oldestLog(c.dirs.logDir);
      return { container: c.name, logDir: c.dirs.logDir, instance, reader: openLog(c.dirs.logDir, instance, samePod), samePod, prefix: logPrefix(r.plan.name, c.name, width, next++, opts.colour) };
    });
  };
  const print = (s: Source, lines: LogLine[]) => {
    if (lines.length) opts.out(lines.map((l) => `${s.prefix}${l.text}\n`).join(''));
  };
  const drain = (f: Followed, final: boolean) => {
    for (const s of f.sources) {
      print(s, s.reader.read());
      // a newer instance: this one's file is complete (the monitor keeps the last two: one
      // between may be gone already)
      for (let n = newerLog(s.logDir, s.instance); n !== undefined; n = newerLog(s.logDir, s.instance)) {
        print(s, [...s.reader.read(), ...s.reader.flush()]);
        s.reader.close();
        s.instance = n;
        s.reader = openLog(s.logDir, n, s.samePod);
        print(s, s.reader.read());
      }
      if (final) print(s, s.reader.flush());
    }
  };
  const close = (f: Followed) => {
    for (const s of f.sources) s.reader.close();
    f.sources = [];
  };
  followed.forEach((f, i) => records[i] && records[i]!.uid === f.uid && open(f, records[i]!));
  try {
    for (let tick = 0; !opts.stop(); tick++) {
      if (opts.untilStopped && tick % CHECK_EVERY === 0)
        for (const p of pods) {
          // a pod the files define now (added, or deleted and made again): followed from its start
          const at = followed.findIndex((f) => f.namespace === p.namespace && f.name === p.name);
          if (at >= 0 && followed[at].uid === p.uid && followed[at].finished !== 'deleted') continue;
          const r = readPodRecord(paths, podKey(p.namespace, p.name));
          if (!r || r.uid !== p.uid) continue;
          const f: Followed = { ...p, sources: [] };
          open(f, r);
          if (at >= 0) {
            drain(followed[at], true);
            close(followed[at]);
            followed[at] = f;
          }
          else followed.push(f);
        }
      const live = followed.filter((f) => !f.finished);
      if (!live.length && !opts.untilStopped) break;
      for (const f of live) drain(f, false);
      // --watch: an ended pod may be made again by a re-apply
      const checked = opts.untilStopped ? followed.filter((f) => f.finished !== 'deleted') : live;
      if (tick % CHECK_EVERY === 0)
        for (const f of checked) {
          const r = readPodRecord(paths, podKey(f.namespace, f.name));
          if (f.finished) {
            if (r && r.uid === f.uid && r.createdAt !== f.createdAt) {
              f.finished = undefined;
              open(f, r);
              opts.note(`pod/${f.name} re-created\n`);
            }
            continue;
          }
          // no record while the pod's lock is held: an apply re-creating it, not a delete
          if (!r && existsSync(podLockPath(paths, podKey(f.namespace, f.name)))) continue;
          if (!r || r.uid !== f.uid) {
            drain(f, true);
            close(f);
            f.finished = 'deleted';
            opts.note(`pod/${f.name} deleted\n`);
            continue;
          }
          if (r.createdAt !== f.createdAt) {
            drain(f, true);
            close(f);
            open(f, r);
            opts.note(`pod/${f.name} re-created\n`);
            continue;
          }
          const st = computePodStatus(snapshotPod(r));
          // Final phases: every container has ended, and the monitor wrote each one's last output before its exit record
          if (st.phase === 'Succeeded' || st.phase === 'Failed') {
            drain(f, true);
            close(f);
            f.finished = st.phase;
            opts.note(`pod/${f.name} ${st.phase === 'Succeeded' ? 'completed' : 'failed'}\n`);
          }
        }
      await new Promise((r) => setTimeout(r, FOLLOW_TICK_MS));
    }
    for (const f of followed) if (!f.finished) drain(f, true);
  } finally {
    for (const f of followed) close(f);
  }
  return followed;
}

const openLog = (logDir: string, instance: number, samePod: () => boolean) => openLogFile(containerLogFile(logDir, instance), { followReplaced: samePod });

/** The instances whose log files are there (N.log), in order. */
function logInstances(logDir: string): number[] {
  try {
    return readdirSync(logDir)
      .map((n) => /^(\d+)\.log$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** The first instance to show: the oldest log kept (0 before the first start). */
const oldestLog = (logDir: string) => logInstances(logDir)[0] ?? 0;

/**
 * The next instance after INSTANCE with a log. Two stats in the common case: the monitor removes
 * instance K's log only when K+2 starts, so while K's is there and K+1's is not, there is none.
 */
function newerLog(logDir: string, instance: number): number | undefined {
  if (existsSync(containerLogFile(logDir, instance + 1))) return instance + 1;
  if (existsSync(containerLogFile(logDir, instance))) return undefined;
  return logInstances(logDir).find((n) => n > instance + 1);
}
