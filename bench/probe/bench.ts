// The probe-cost benchmark (issue 9), run by bench/probe/run.sh as root; not part of npm test.
// N pods (default 50), each a busybox httpd with a 1 s exec liveness probe (`true`) and a 1 s
// httpGet readiness probe. Over a window (default 20 s) it reads the CPU time of each pod's
// monitor (its own: the event loop, the HTTP probes, the forks) and of what it reaped (the
// `podrun-helper exec` of each exec probe, its setup process and the command), and the cost of
// the probe command itself (a fork + exec of busybox `true`, measured alone); then the RSS and
// PSS podrun keeps per pod (monitor + pause) while probing. Targets: < 5% of one core beyond the
// probe commands for all pods, RSS per pod <= 1 MiB. Prints the figures (docs/performance.md
// "Probes" quotes them).
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { makeBusyboxRootfs } from '../../test/helpers/busybox';

const REPO = join(__dirname, '..', '..', '..');
const PODRUN = join(REPO, 'bin', 'podrun');
const N = Number(process.env.PODS ?? 50);
const WINDOW_S = Number(process.env.WINDOW ?? 20);
const IMAGE = 'localhost/busybox:probe-bench';
const work = mkdtempSync('/var/tmp/podrun-probe-bench-');
const root = join(work, 'root');
const env = { ...process.env, PODRUN_ROOT: root };
const HZ = 100; // USER_HZ: /proc/PID/stat's clock ticks

function podrun(args: string[]): string {
  const r = spawnSync(PODRUN, args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`podrun ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function podYaml(name: string, probes: boolean, unconfined = false): string {
  const c: Record<string, unknown> = { name: 'web', image: IMAGE, imagePullPolicy: 'Never', command: ['/bin/httpd', '-f', '-p', '8080', '-h', '/www'] };
  if (probes) {
    c.livenessProbe = { exec: { command: ['/bin/true'] }, periodSeconds: 1 };
    c.readinessProbe = { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 };
  }
  const sc = unconfined ? { securityContext: { seccompProfile: { type: 'Unconfined' } } } : {};
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, ...sc, containers: [c] } });
}

const monitorOf = (name: string) => JSON.parse(readFileSync(join(root, 'pods', `default_${name}`, 'monitor.json'), 'utf8')) as { pid: number; pausePid: number };

/** utime+stime (own) and cutime+cstime (reaped children), in seconds. */
function cpu(pid: number): { self: number; children: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // fields from 3 (state) on: utime is field 14, i.e. index 11 here
  return { self: (Number(f[11]) + Number(f[12])) / HZ, children: (Number(f[13]) + Number(f[14])) / HZ };
}

function kib(pid: number, file: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function sleepS(s: number): void {
  spawnSync('sleep', [String(s)]);
}

function measure(names: string[]): { self: number; children: number } {
  const a = names.map((n) => cpu(monitorOf(n).pid));
  sleepS(WINDOW_S);
  const b = names.map((n) => cpu(monitorOf(n).pid));
  let self = 0;
  let children = 0;
  b.forEach((x, i) => {
    self += x.self - a[i].self;
    children += x.children - a[i].children;
  });
  return { self: self / WINDOW_S, children: children / WINDOW_S };
}

function main(): void {
  const rootfs = makeBusyboxRootfs(join(work, 'rootfs'));
  mkdirSync(join(rootfs, 'www'), { recursive: true });
  writeFileSync(join(rootfs, 'www', 'index.html'), 'ok\n');
  podrun(['import', rootfs, IMAGE]);
  const out: string[] = [];
  const say = (s: string) => {
    out.push(s);
    process.stdout.write(s + '\n');
  };
  say(`# podrun probe benchmark, ${new Date().toISOString()}: ${N} pods, ${WINDOW_S} s window, ${require('os').cpus().length} CPUs`);
  const names = Array.from({ length: N }, (_, i) => `probe-${i}`);
  const open = Array.from({ length: N }, (_, i) => `open-${i}`);
  const quiet = Array.from({ length: N }, (_, i) => `quiet-${i}`);
  try {
    // The same pods without probes first: what an idle monitor costs.
    for (const n of quiet) {
      writeFileSync(join(work, `${n}.yaml`), podYaml(n, false));
      podrun(['apply', '-f', join(work, `${n}.yaml`)]);
    }
    const idle = measure(quiet);
    let quietRss = 0;
    for (const n of quiet) {
      const m = monitorOf(n);
      for (const p of [m.pid, m.pausePid]) quietRss += kib(p, 'status', 'VmRSS');
    }
    for (const n of quiet) podrun(['delete', 'pod', n, '--now']);
    for (const n of names) {
      writeFileSync(join(work, `${n}.yaml`), podYaml(n, true));
      podrun(['apply', '-f', join(work, `${n}.yaml`)]);
    }
    sleepS(3);
    const busy = measure(names);
    let rss = 0;
    let pss = 0;
    for (const n of names) {
      const m = monitorOf(n);
      for (const p of [m.pid, m.pausePid]) {
        rss += kib(p, 'status', 'VmRSS');
        pss += kib(p, 'smaps_rollup', 'Pss');
      }
    }
    const ready = names.filter((n) => /\s1\/1\s/.test(podrun(['get', 'pod', n]))).length;
    for (const n of names) podrun(['delete', 'pod', n, '--now']);
    // The same with seccomp Unconfined: what installing the container's filter in every exec
    // probe's command costs (the kernel converts, JITs and pre-evaluates it per install).
    for (const n of open) {
      writeFileSync(join(work, `${n}.yaml`), podYaml(n, true, true));
      podrun(['apply', '-f', join(work, `${n}.yaml`)]);
    }
    sleepS(3);
    const unconfined = measure(open);
    // The probe command alone: busybox `true` forked and exec'd 500 times by one shell.
    const t = spawnSync('bash', ['-c', `TIMEFORMAT=%U+%S; time (for i in $(seq 500); do ${join(rootfs, 'bin', 'true')}; done)`], { encoding: 'utf8' });
    const [u, s] = t.stderr.trim().split('\n').pop()!.split('+').map(Number);
    const perCommand = (u + s) / 500;
    const commands = N * perCommand; // one exec probe per pod per second
    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    say(`| figure | value |`);
    say(`|---|---|`);
    say(`| idle monitors (no probes), all ${N} | ${pct(idle.self + idle.children)} of one core |`);
    say(`| monitors' own CPU (loop, HTTP probes, forks), all ${N} | ${pct(busy.self)} of one core |`);
    say(`| reaped: podrun-helper exec + setup + command, all ${N} | ${pct(busy.children)} of one core |`);
    say(`| the probe commands alone (${(perCommand * 1000).toFixed(2)} ms each, ${N}/s) | ${pct(commands)} of one core |`);
    say(`| **podrun beyond the probe commands** | **${pct(busy.self + busy.children - commands)}** of one core (target < 5%) |`);
    say(`| the same pods with seccomp Unconfined: monitors' own, reaped | ${pct(unconfined.self)}, ${pct(unconfined.children)} of one core |`);
    say(`| podrun beyond the probe commands, Unconfined | ${pct(unconfined.self + unconfined.children - commands)} of one core |`);
    say(`| RSS per pod (monitor + pause) while probing | ${(rss / N / 1024).toFixed(2)} MiB (target <= 1 MiB; without probes ${(quietRss / N / 1024).toFixed(2)} MiB) |`);
    say(`| PSS per pod | ${(pss / N / 1024).toFixed(2)} MiB |`);
    say(`| pods ready (httpGet passing) at the end | ${ready}/${N} |`);
  } finally {
    for (const n of [...names, ...quiet, ...open]) spawnSync(PODRUN, ['delete', 'pod', n, '--now'], { env });
    rmSync(work, { recursive: true, force: true });
  }
}

main();
