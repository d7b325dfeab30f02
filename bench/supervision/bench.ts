// The supervision benchmark (issue 9), run by bench/supervision/run.sh as root; not part of npm test.
// Restart latency: from a container's exit to its next start with back-off 0 (the monitor's own
// finishedAt and startedAt, milliseconds), against a fresh `podrun apply` of the same pod (whole
// process). Prints everything and writes a "Supervision" section into docs/performance.md.
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { makeBusyboxRootfs } from '../../test/helpers/busybox';
import { median, ms, ratio, REPO, writePerformanceSection } from '../lib/report';

const PODRUN = join(REPO, 'bin', 'podrun');
const RUNS = Number(process.env.RUNS ?? 7);
const RESTARTS = Number(process.env.RESTARTS ?? 21);
const IMAGE = 'busybox:bench';
const work = mkdtempSync('/var/tmp/podrun-bench-sv-');
const root = join(work, 'root');
const env = { ...process.env, PODRUN_ROOT: root };
const out: string[] = [];
const o = (s = '') => {
  process.stdout.write(s + '\n');
  out.push(s);
};

function podrun(args: string[], allowFail = false): SpawnSyncReturns<string> {
  const r = spawnSync(PODRUN, args, { encoding: 'utf8', env });
  if (!allowFail && r.status !== 0) throw new Error(`podrun ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim()}`);
  return r;
}

function manifest(name: string, command: string[], backoff?: string): string {
  const file = join(work, `${name}.json`);
  const meta = backoff === undefined ? {} : { annotations: { 'podrun.dev/restart-backoff': backoff } };
  const c = { name: 'app', image: IMAGE, imagePullPolicy: 'Never', command };
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec: { terminationGracePeriodSeconds: 5, containers: [c] } }));
  return file;
}

const stateOf = (name: string) => {
  try {
    return JSON.parse(readFileSync(join(root, 'pods', `default_${name}`, 'containers', 'app', 'state.json'), 'utf8'));
  } catch {
    return undefined; // being replaced (atomic rename): read again
  }
};

/** Exit -> next start, per restart, as the monitor recorded them. */
function restartLatencies(): number[] {
  // Runs 100 ms, exits 1: long enough to read each instance's state.json while it runs.
  podrun(['apply', '-f', manifest('restart', ['sh', '-c', 'sleep 0.1; exit 1'], '0')]);
  const seen = new Map<number, number>();
  const end = Date.now() + 120_000;
  while (seen.size < RESTARTS && Date.now() < end) {
    const st = stateOf('restart');
    if (st?.state === 'running' && st.lastState?.finishedAt && st.startedAt && !seen.has(st.restartCount))
      seen.set(st.restartCount, Date.parse(st.startedAt) - Date.parse(st.lastState.finishedAt));
    spawnSync('sleep', ['0.01']);
  }
  podrun(['delete', 'pod', 'restart', '--grace-period', '0']);
  return [...seen.values()];
}

/** A fresh apply of the same pod (a container that stays up), whole process. */
function applyTimes(): number[] {
  const file = manifest('fresh', ['sh', '-c', "trap 'exit 0' TERM; sleep 86400 & wait"]);
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    podrun(['apply', '-f', file]);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    podrun(['delete', 'pod', 'fresh', '--grace-period', '0']);
  }
  return t;
}

function main(): void {
  const rootfs = makeBusyboxRootfs(join(work, 'rootfs'));
  podrun(['import', rootfs, IMAGE]);
  const restarts = restartLatencies();
  const applies = applyTimes();
  const r = median(restarts);
  const a = median(applies);
  o('## Supervision');
  o('');
  o(`\`bench/supervision/run.sh\` (RUNS=${RUNS}, ${restarts.length} restarts), ${new Date().toISOString().slice(0, 10)}: medians.`);
  o('');
  o('| what | podrun | reference | ratio |');
  o('|---|---|---|---|');
  o(`| restart latency: exit -> next start, back-off 0 (the monitor's timestamps, ms resolution) | ${ms(r)} | fresh \`podrun apply\` of the same pod: ${ms(a)} | ${ratio(r, a)} |`);
  o('');
  o(`Restart latencies (ms): min ${Math.min(...restarts)}, median ${r}, max ${Math.max(...restarts)}. A restart is the monitor's work alone (reap, the machine, a fresh writable layer, clone, mounts, exec); an apply also pays Node's start-up, validation, planning and the monitor's own start.`);
  if (process.env.BENCH_NO_DOCS) return;
  writePerformanceSection('supervision', out.join('\n'));
  o('');
  process.stdout.write(`written to ${join(REPO, 'docs', 'performance.md')}\n`);
}

try {
  main();
} finally {
  for (const name of ['restart', 'fresh']) if (existsSync(join(root, 'pods', `default_${name}`))) podrun(['delete', 'pod', name, '--grace-period', '0'], true);
  rmSync(work, { recursive: true, force: true });
}
