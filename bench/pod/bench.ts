// The pod runtime benchmark (issue 3), run by bench/pod/run.sh as root; not part of npm test.
// Whole-process figures, medians of RUNS runs: apply/delete of a 2-container busybox pod vs
// `podman kube play/down`; apply without seccomp and the profile's compile time (seccomp's cost); `podrun exec` vs `podman exec` and vs `node -e 0` + `nsenter -a`;
// memory podrun keeps per pod (monitor + pause) for 1/10/50 pods; apply time of the 1st vs 50th pod.
// Prints everything and writes a "Pods" section into docs/performance.md (between markers).
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { makeBusyboxRootfs } from '../../test/helpers/busybox';
import { podmanConf, PODMAN_GLOBAL } from '../lib/podman';
import { median, ms, ratio, REPO, writePerformanceSection } from '../lib/report';

const PODRUN = join(REPO, 'bin', 'podrun');
const RUNS = Number(process.env.RUNS ?? 7);
const COUNTS = (process.env.POD_COUNTS ?? '1,10,50').split(',').map(Number);
const IMAGE = 'localhost/busybox:bench';

const work = mkdtempSync('/var/tmp/podrun-bench-');
const root = join(work, 'root');
const env = { ...process.env, PODRUN_ROOT: root, CONTAINERS_CONF: podmanConf(work) };
const nodeFloorEnv = { ...env, NODE_EXTRA_CA_CERTS: '' };
const lines: string[] = [];
const say = (s = '') => {
  process.stdout.write(s + '\n');
  lines.push(s);
};

function run(cmd: string, args: string[], opts: { allowFail?: boolean; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: opts.env ?? env, maxBuffer: 64 << 20 });
  if (!opts.allowFail && r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`);
  return r;
}

/** Wall-clock milliseconds of one whole process run. */
function timed(cmd: string, args: string[], runEnv?: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  run(cmd, args, { env: runEnv });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function podYaml(name: string, securityContext?: Record<string, unknown>): string {
  // Idle containers that end promptly on SIGTERM: a PID 1 without a handler would ignore it and
  // make both tools wait out the grace period, and a polling loop would load the host with 50 pods.
  const loop = "trap 'exit 0' TERM; sleep 86400 & wait";
  // absolute paths: `podman import` records no PATH in the image
  const c = (n: string) => ({ name: n, image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['/bin/sh', '-c', loop] });
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, ...(securityContext ? { securityContext } : {}), containers: [c('a'), c('b')] },
  });
}

function podrun(args: string[]): SpawnSyncReturns<string> {
  return run(PODRUN, args);
}

function podRecord(name: string): { plan: { dirs: { lasting: string }; containers: { dirs: { stateFile: string } }[] } } {
  return JSON.parse(readFileSync(join(root, 'pods', `default_${name}`, 'pod.json'), 'utf8'));
}

function kib(pid: number, file: 'status' | 'smaps_rollup', field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** RSS and PSS (KiB) of the pod's monitor and pause processes: what podrun keeps per pod. */
function keptMemory(name: string): { rss: number; pss: number; procs: number } {
  const mon = JSON.parse(readFileSync(join(podRecord(name).plan.dirs.lasting, 'monitor.json'), 'utf8')) as { pid: number; pausePid?: number };
  const pids = new Set([mon.pid, ...(mon.pausePid ? [mon.pausePid] : [])]);
  let rss = 0;
  let pss = 0;
  for (const p of pids) {
    rss += kib(p, 'status', 'VmRSS');
    pss += kib(p, 'smaps_rollup', 'Pss');
  }
  return { rss, pss, procs: pids.size };
}

function main(): void {
  const rootfs = makeBusyboxRootfs(join(work, 'rootfs'));
  const podmanNote: string[] = [];
  say(`# podrun pod benchmark, ${new Date().toISOString()}, ${RUNS} runs each (median)`);
  say(`host: ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}, ${require('os').cpus().length} CPUs, node ${process.version}`);
  podrun(['import', rootfs, IMAGE]);
  const yaml = join(work, 'bench.yaml');
  writeFileSync(yaml, podYaml('bench'));

  // The same pod without seccomp (pod-level Unconfined), applied in the same rounds: what the
  // RuntimeDefault profile costs (compiling it once per pod, reading and installing it per container).
  const unconfinedYaml = join(work, 'bench-unconfined.yaml');
  writeFileSync(unconfinedYaml, podYaml('bench-unconfined', { seccompProfile: { type: 'Unconfined' } }));

  // The same pod with no cgroups (PODRUN_CGROUP_DRIVER=none), in the same rounds: what making,
  // limiting, joining and removing its cgroups in every hierarchy costs (issue 10).
  const noCgroupEnv = { ...env, PODRUN_CGROUP_DRIVER: 'none' };
  // And with the v2 hierarchy alone (PODRUN_CGROUP_DRIVER=v2): every process born in its cgroup
  // (clone3 CLONE_INTO_CGROUP), no v1 migration and its RCU grace period: what a pure v2 host pays.
  const v2Env = { ...env, PODRUN_CGROUP_DRIVER: 'v2' };
  const v2Yaml = join(work, 'bench-v2.yaml');
  writeFileSync(v2Yaml, podYaml('bench-v2'));

  // ---- apply / delete ----
  const applyT: number[] = [];
  const applyUnconfinedT: number[] = [];
  const deleteT: number[] = [];
  const applyNodeT: number[] = [];
  const applyNoCgroupT: number[] = [];
  const deleteNoCgroupT: number[] = [];
  const applyV2T: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const a = timed(PODRUN, ['apply', '-f', yaml]);
    const d = timed(PODRUN, ['delete', 'pod', 'bench']);
    const u = timed(PODRUN, ['apply', '-f', unconfinedYaml]);
    timed(PODRUN, ['delete', 'pod', 'bench-unconfined']);
    const an = timed(PODRUN, ['apply', '-f', yaml], noCgroupEnv);
    const dn = timed(PODRUN, ['delete', 'pod', 'bench'], noCgroupEnv);
    const av = timed(PODRUN, ['apply', '-f', v2Yaml], v2Env);
    timed(PODRUN, ['delete', 'pod', 'bench-v2'], v2Env);
    if (i > 0) {
      applyNoCgroupT.push(an);
      deleteNoCgroupT.push(dn);
      applyV2T.push(av);
    }
    // Node's own start-up, measured in the same rounds: what apply spends beyond it is podrun's.
    const n = timed(process.execPath, ['-e', '0'], nodeFloorEnv);
    if (i > 0) {
      // the first round warms the page cache and unpacks the layer
      applyT.push(a);
      applyUnconfinedT.push(u);
      deleteT.push(d);
      applyNodeT.push(n);
    }
  }
  // Compiling the default profile for the default capabilities, as apply does once per pod.
  const compileT: number[] = [];
  let programInsns = 0;
  {
    const { native } = require('../../src/util/native') as typeof import('../../src/util/native');
    const { RUNTIME_DEFAULT_PROFILE } = require('../../src/plan/seccomp-default') as typeof import('../../src/plan/seccomp-default');
    const { DEFAULT_CAPABILITIES } = require('../../src/plan/security') as typeof import('../../src/plan/security');
    for (let i = 0; i <= RUNS; i++) {
      const t0 = process.hrtime.bigint();
      const r = native().compileSeccomp(JSON.stringify(RUNTIME_DEFAULT_PROFILE), [...DEFAULT_CAPABILITIES]);
      if (i > 0) compileT.push(Number(process.hrtime.bigint() - t0) / 1e6);
      programInsns = r.program.length / 8;
    }
  }

  // ---- podman ----
  let podman: { play: number; down: number; exec: number } | undefined;
  const haveP = run('podman', [...PODMAN_GLOBAL, 'info'], { allowFail: true });
  if (haveP.status !== 0) podmanNote.push(`podman unavailable: ${(haveP.stderr || String(haveP.error)).trim().split('\n')[0]}`);
  else {
    try {
      const tar = join(work, 'rootfs.tar');
      run('tar', ['-C', rootfs, '-cf', tar, '.']);
      run('podman', [...PODMAN_GLOBAL, 'import', tar, IMAGE]);
      const play: number[] = [];
      const down: number[] = [];
      const playArgs = [...PODMAN_GLOBAL, 'kube', 'play', '--network', 'none', yaml];
      for (let i = 0; i <= RUNS; i++) {
        const p = timed('podman', playArgs);
        const d = timed('podman', [...PODMAN_GLOBAL, 'kube', 'down', yaml]);
        if (i > 0) {
          play.push(p);
          down.push(d);
        }
      }
      run('podman', playArgs);
      const pe: number[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const t = timed('podman', [...PODMAN_GLOBAL, 'exec', 'bench-a', '/bin/true']);
        if (i > 0) pe.push(t);
      }
      run('podman', [...PODMAN_GLOBAL, 'kube', 'down', yaml], { allowFail: true });
      podman = { play: median(play), down: median(down), exec: median(pe) };
    } catch (e) {
      podmanNote.push(`podman failed: ${(e as Error).message.split('\n')[0]}`);
      run('podman', [...PODMAN_GLOBAL, 'kube', 'down', yaml], { allowFail: true });
    }
  }

  // ---- exec ----
  podrun(['apply', '-f', yaml]);
  run(PODRUN, ['apply', '-f', v2Yaml], { env: v2Env });
  const st = JSON.parse(readFileSync(podRecord('bench').plan.containers[0].dirs.stateFile, 'utf8')) as { pid: number };
  const execT: number[] = [];
  const execV2T: number[] = [];
  const nodeT: number[] = [];
  const nsenterT: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const e = timed(PODRUN, ['exec', 'bench/a', '--', '/bin/true']);
    // The floor is a Node CLI that, like bin/podrun, keeps NODE_EXTRA_CA_CERTS from Node's
    // start-up (~40 ms here when it is set): the stricter comparison.
    const n = timed(process.execPath, ['-e', '0'], nodeFloorEnv);
    const s = timed('nsenter', ['-a', '-t', String(st.pid), '/bin/true']);
    const ev = timed(PODRUN, ['exec', 'bench-v2/a', '--', '/bin/true']);
    if (i > 0) {
      execV2T.push(ev);
      execT.push(e);
      nodeT.push(n);
      nsenterT.push(s);
    }
  }
  podrun(['delete', 'pod', 'bench']);
  run(PODRUN, ['delete', 'pod', 'bench-v2'], { env: v2Env });
  const floor = median(nodeT) + median(nsenterT);

  // ---- memory and scaling ----
  const mem: { n: number; rss: number; pss: number }[] = [];
  const startT: number[] = [];
  const max = Math.max(...COUNTS);
  for (let i = 1; i <= max; i++) {
    const name = `bench-${i}`;
    const f = join(work, `${name}.yaml`);
    writeFileSync(f, podYaml(name));
    startT.push(timed(PODRUN, ['apply', '-f', f]));
    if (COUNTS.includes(i)) {
      let rss = 0;
      let pss = 0;
      for (let k = 1; k <= i; k++) {
        const m = keptMemory(`bench-${k}`);
        rss += m.rss;
        pss += m.pss;
      }
      mem.push({ n: i, rss: rss / i, pss: pss / i });
    }
  }
  const delAll: number[] = [];
  for (let i = 1; i <= max; i++) delAll.push(timed(PODRUN, ['delete', 'pod', `bench-${i}`]));

  // ---- report ----
  const out: string[] = [];
  const o = (s = '') => out.push(s);
  o('## Pods');
  o('');
  o(`\`bench/pod/run.sh\`, ${new Date().toISOString().slice(0, 16)}Z: ${require('os').cpus().length} CPUs, kernel ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}, node ${process.version}. Whole-process wall-clock times, median of ${RUNS} runs after one warm-up run; a 2-container busybox pod (image present) whose containers exit on SIGTERM.`);
  o('');
  o('| measure | podrun | podman | ratio | target |');
  o('|---|---|---|---|---|');
  o(`| apply until both containers run (\`podman kube play --network none\`) | ${ms(median(applyT))} | ${podman ? ms(podman.play) : 'n/a'} | ${podman ? ratio(median(applyT), podman.play) : 'n/a'} | <= 0.3x |`);
  o(`| apply beyond Node's start-up: apply - \`node -e 0\` (${ms(median(applyNodeT))}) | ${ms(median(applyT) - median(applyNodeT))} | | | not to grow (~75 ms on a machine with a 26-29 ms \`node -e 0\`) |`);
  o(`| apply with \`seccompProfile: Unconfined\` (no filter), same rounds | ${ms(median(applyUnconfinedT))} | | | |`);
  o(`| delete (\`podman kube down\`) | ${ms(median(deleteT))} | ${podman ? ms(podman.down) : 'n/a'} | ${podman ? ratio(median(deleteT), podman.down) : 'n/a'} | <= 0.1x |`);
  o(`| \`exec POD/C -- true\` (\`podman exec C true\`) | ${ms(median(execT))} | ${podman ? ms(podman.exec) : 'n/a'} | ${podman ? ratio(median(execT), podman.exec) : 'n/a'} | <= 0.5x |`);
  o(`| \`exec\` vs floor: \`node -e 0\` (${ms(median(nodeT))}) + \`nsenter -a -t PID true\` (${ms(median(nsenterT))}) | ${ms(median(execT))} | floor ${ms(floor)} | ${ratio(median(execT), floor)} | <= 1.2x |`);
  o('');
  {
    const { detectCgroups } = require('../../src/runtime/cgroup/detect') as typeof import('../../src/runtime/cgroup/detect');
    const host = detectCgroups();
    const where = host.driver === 'none' ? 'none' : Object.entries(host.mounts).map(([k, m]) => `${k === 'unified' ? 'v2' : 'v1'} ${m}`).join(', ');
    o(`cgroups (a pod cgroup and one per container in each hierarchy: ${where}; limits written, joined by each container): apply costs ${ms(median(applyT) - median(applyNoCgroupT))} more than with \`PODRUN_CGROUP_DRIVER=none\` (${ms(median(applyNoCgroupT))}), delete ${ms(median(deleteT) - median(deleteNoCgroupT))} more (${ms(median(deleteNoCgroupT))}), same rounds.`);
    o('');
    o(`With the v2 hierarchy alone (\`PODRUN_CGROUP_DRIVER=v2\`: every process born in its cgroup, no v1 migration, as on a pure v2 host), same rounds: apply ${ms(median(applyV2T))}${podman ? ` (${ratio(median(applyV2T), podman.play)} of podman, target <= 0.3x)` : ''}, exec ${ms(median(execV2T))} (${ratio(median(execV2T), floor)} of the floor, target <= 1.2x).`);
    o('');
  }
  const seccompCost = median(applyT) - median(applyUnconfinedT);
  o(`seccomp (RuntimeDefault, the default): apply costs ${ms(seccompCost)} more than with Unconfined, ${ms(seccompCost / 2)} per container of this 2-container pod; compiling the profile with libseccomp (once per pod and capability set, shared by its containers) takes ${ms(median(compileT))} of it (${programInsns} BPF instructions for x86_64, i386 and x32), the rest is writing the program, the monitor reading it once and each container installing it.`);
  o('');
  o('Memory podrun keeps per pod beyond the containers\' own processes (the native monitor and pause process; no Node process stays):');
  o('');
  o('| pods | RSS per pod | PSS per pod | target |');
  o('|---|---|---|---|');
  for (const m of mem) o(`| ${m.n} | ${(m.rss / 1024).toFixed(2)} MiB | ${(m.pss / 1024).toFixed(2)} MiB | <= 1 MiB |`);
  o('');
  const first5 = median(startT.slice(0, Math.min(5, startT.length)));
  const last5 = median(startT.slice(-5));
  o(`Scaling: apply of the 1st pod ${ms(startT[0])}, of pod number ${max} ${ms(startT[startT.length - 1])} (median of the first five ${ms(first5)}, of the last five ${ms(last5)}: ${ratio(last5, first5)}); deleting each of the ${max} pods took a median ${ms(median(delAll))}.`);
  o('');
  o('podman 4.3 (Debian 12) runs with `--cgroup-manager=cgroupfs --events-backend=file --runtime runc` and a containers.conf lowering its default ulimits: this host has no systemd, hybrid cgroups v1 (crun refuses them) and no CAP_SYS_RESOURCE. Both tools run the same YAML; podman with `--network none`, since a podrun pod has only its loopback.');
  if (podmanNote.length) {
    o('');
    for (const n of podmanNote) o(`Note: ${n}`);
  }
  say('');
  for (const l of out) say(l);
  if (process.env.BENCH_NO_DOCS) return;
  writePerformanceSection('pod', out.join('\n'));
  say('');
  say(`written to ${join(REPO, 'docs', 'performance.md')}`);
}

try {
  main();
} finally {
  // leave nothing running: every bench pod, then the private root
  for (const name of ['bench', 'bench-unconfined', ...Array.from({ length: Math.max(...COUNTS) }, (_, i) => `bench-${i + 1}`)])
    if (existsSync(join(root, 'pods', `default_${name}`))) run(PODRUN, ['delete', 'pod', name, '--now'], { allowFail: true });
  run('podman', [...PODMAN_GLOBAL, 'rmi', '-f', IMAGE], { allowFail: true });
  rmSync(work, { recursive: true, force: true });
}
