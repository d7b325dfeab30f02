// `up`'s log view: every container of every pod, init containers and sidecars included, from its
// first instance on (so nothing written while `up` waited for readiness is lost), each line
// prefixed `pod/container | `. A container's next instance (a restart) is followed once its log
// file exists, after the last one's lines; a pod re-created (its record made again: an apply from
// elsewhere, a watch) starts over from its new files; a pod deleted is left. Ends when every pod
// has finished (Succeeded or Failed) or is gone, or when STOP says so.
import { existsSync } from 'fs';
import { everyContainer } from '../plan/containers';
import { containerLogFile } from '../runtime/helper';
import { openLogFile, type LogFileReader, type LogLine } from '../runtime/cri-log-reader';
import { podKey, type Paths } from '../util/paths';
import { readPodRecord, type PodRecord } from '../state/pod-records';
import { logPrefix } from './up-view';

interface Source {
  container: string;
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

const TICK_MS = 100;
/** How often the pods' records and phases are looked at (each tick only reads the log files). */
const CHECK_EVERY = 5;

export interface FollowOptions {
  colour: boolean;
  out(text: string): void;
  /** Said on stderr: a pod re-created, deleted, finished. */
  note(text: string): void;
  /** True once following is to end (Ctrl-C). */
  stop(): boolean;
  /** A sleep that a stop request cuts short. */
  sleep(ms: number): Promise<void>;
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
    f.sources = everyContainer(r.plan).map(({ c }) => ({ container: c.name, logDir: c.dirs.logDir, instance: 0, reader: openLogFile(containerLogFile(c.dirs.logDir, 0)), prefix: logPrefix(r.plan.name, c.name, width, next++, opts.colour) }));
  };
  const print = (s: Source, lines: LogLine[]) => {
    if (lines.length) opts.out(lines.map((l) => `${s.prefix}${l.text}\n`).join(''));
  };
  const drain = (f: Followed, final: boolean) => {
    for (const s of f.sources) {
      print(s, s.reader.read());
      // a newer instance: this one's file is complete
      while (existsSync(containerLogFile(s.logDir, s.instance + 1))) {
        print(s, [...s.reader.read(), ...s.reader.flush()]);
        s.reader.close();
        s.instance++;
        s.reader = openLogFile(containerLogFile(s.logDir, s.instance));
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
      const live = followed.filter((f) => !f.finished);
      if (!live.length) break;
      for (const f of live) drain(f, false);
      if (tick % CHECK_EVERY === 0)
        for (const f of live) {
          const r = readPodRecord(paths, podKey(f.namespace, f.name));
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
      await opts.sleep(TICK_MS);
    }
    for (const f of followed) if (!f.finished) drain(f, false);
  } finally {
    for (const f of followed) close(f);
  }
  return followed;
}
