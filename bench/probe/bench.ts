// The probe-cost benchmark (issue 9), run by bench/probe/run.sh as root; not part of npm test.
// N pods (default 50), each a busybox httpd with a 1 s exec liveness probe (`true`) and a 1 s
// httpGet readiness probe. Over a window (default 20 s) it reads the CPU time of each pod's
// podrun processes: the monitor (its own: the event loop, the HTTP probes; and what it reaped:
// any `podrun-helper exec` it forked) and the container's probe server (its own: a fork per exec
// probe and its messages; and what it reaped: the probe commands), against the cost of the probe
// command itself (a fork + exec of busybox `true` by a shell, measured alone); then the RSS and
// PSS podrun keeps per pod (monitor + pause + probe server) while probing. Targets: < 5% of one core beyond the
// probe commands for all pods, RSS per pod <= 1 MiB. Prints the figures (docs/performance.md
// "Probes" quotes them).
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
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

function podYaml(name: string, probes: boolean): string {
  const c: Record<string, unknown> = { name: 'web', image: IMAGE, imagePullPolicy: 'Never', command: ['/bin/httpd', '-f', '-p', '8080', '-h', '/www'] };
  if (probes) {
    c.livenessProbe = { exec: { command: ['/bin/true'] }, periodSeconds: 1 };
    c.readinessProbe = { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 };
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, containers: [c] } });
}

const monitorOf = (name: string) => JSON.parse(readFileSync(join(root, 'pods', `default_${name}`, 'monitor.json'), 'utf8')) as { pid: number; pausePid: number };

/** Its own CPU (schedstat's run time in ns: /proc/PID/stat's ticks would round a server's few
 * milliseconds a window to 0) and cutime+cstime (reaped children: their exact times summed, in
 * ticks), in seconds; the process's start time. */
function cpu(pid: number): { self: number; children: number; start: string } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ran = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  // fields from 3 (state) on: cutime is field 16, i.e. index 13 here; starttime field 22
  return { self: ran / 1e9, children: (Number(f[13]) + Number(f[14])) / HZ, start: f[19] };
}

/** The probe servers (comm podrun-probes) among MONITOR's children. */
function serversOf(monitor: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm === 'podrun-probes' && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === monitor) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

function kib(pid: number, file: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function sleepS(s: number): void {
  spawnSync('sleep', [String(s)]);
}

type Cpu = { monitor: number; monitorReaped: number; server: number; serverReaped: number };

/** CPU per second over the window, all pods: a server alive at both ends counts its difference,
 * one started within the window all of it (one that ended is in its monitor's reaped time). */
function measure(names: string[]): Cpu {
  const snap = () =>
    names.map((n) => {
      const m = monitorOf(n).pid;
      return { m: cpu(m), servers: new Map(serversOf(m).map((p) => [p, cpu(p)] as const)) };
    });
  const a = snap();
  sleepS(WINDOW_S);
  const b = snap();
  const t: Cpu = { monitor: 0, monitorReaped: 0, server: 0, serverReaped: 0 };
  b.forEach((x, i) => {
    t.monitor += x.m.self - a[i].m.self;
    t.monitorReaped += x.m.children - a[i].m.children;
    for (const [pid, c] of x.servers) {
      const before = a[i].servers.get(pid);
      const same = before && before.start === c.start;
      t.server += c.self - (same ? before.self : 0);
      t.serverReaped += c.children - (same ? before.children : 0);
    }
  });
  return { monitor: t.monitor / WINDOW_S, monitorReaped: t.monitorReaped / WINDOW_S, server: t.server / WINDOW_S, serverReaped: t.serverReaped / WINDOW_S };
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
    let servers = 0;
    for (const n of names) {
      const m = monitorOf(n);
      const own = serversOf(m.pid);
      servers += own.length;
      for (const p of [m.pid, m.pausePid, ...own]) {
        rss += kib(p, 'status', 'VmRSS');
        pss += kib(p, 'smaps_rollup', 'Pss');
      }
    }
    const ready = names.filter((n) => /\s1\/1\s/.test(podrun(['get', 'pod', n]))).length;
    for (const n of names) podrun(['delete', 'pod', n, '--now']);
    // The probe command alone: busybox `true` forked and exec'd 500 times by one shell.
    const t = spawnSync('bash', ['-c', `TIMEFORMAT=%U+%S; time (for i in $(seq 500); do ${join(rootfs, 'bin', 'true')}; done)`], { encoding: 'utf8' });
    const [u, s] = t.stderr.trim().split('\n').pop()!.split('+').map(Number);
    const perCommand = (u + s) / 500;
    const commands = N * perCommand; // one exec probe per pod per second
    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    say(`| figure | value |`);
    say(`|---|---|`);
    const total = busy.monitor + busy.monitorReaped + busy.server + busy.serverReaped;
    say(`| idle monitors (no probes), all ${N} | ${pct(idle.monitor + idle.monitorReaped)} of one core |`);
    say(`| monitors' own CPU (loop, HTTP probes), all ${N} | ${pct(busy.monitor)} of one core |`);
    say(`| reaped by the monitors (\`podrun-helper exec\` runs: hooks, fallbacks), all ${N} | ${pct(busy.monitorReaped)} of one core |`);
    say(`| probe servers' own CPU (a fork and two messages per run), ${servers} of them | ${pct(busy.server)} of one core |`);
    say(`| reaped by the probe servers (the commands), all ${N} | ${pct(busy.serverReaped)} of one core |`);
    say(`| the probe commands alone (${(perCommand * 1000).toFixed(2)} ms each by a shell, ${N}/s) | ${pct(commands)} of one core |`);
    say(`| **podrun beyond the probe commands** | **${pct(total - commands)}** of one core (target < 5%) |`);
    // The same without the shell's baseline: everything but what the servers reaped (the commands
    // from their fork on, which the shell's figure prices higher: its fork is of a bigger process).
    say(`| podrun's processes alone (monitors, their reaped helpers, the servers' own) | ${pct(busy.monitor + busy.monitorReaped + busy.server)} of one core |`);
    say(`| RSS per pod (monitor + pause + probe server) while probing | ${(rss / N / 1024).toFixed(2)} MiB (target <= 1 MiB; without probes ${(quietRss / N / 1024).toFixed(2)} MiB) |`);
    say(`| PSS per pod | ${(pss / N / 1024).toFixed(2)} MiB |`);
    say(`| pods ready (httpGet passing) at the end | ${ready}/${N} |`);
  } finally {
    for (const n of [...names, ...quiet]) spawnSync(PODRUN, ['delete', 'pod', n, '--now'], { env });
    rmSync(work, { recursive: true, force: true });
  }
}

main();
