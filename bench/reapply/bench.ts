// The re-apply benchmark (issue 13), run by bench/reapply/run.sh as root; not part of npm test.
// Whole-process figures, medians of RUNS runs: `podrun apply` of a running 3-container pod whose
// container b's env changed (b alone restarted in place, docs/reapply.md) vs `podman kube play
// --replace` of the same change (the whole pod torn down and made again), and vs b's own stop
// plus start in podman (`podman stop` + `podman start`: the least a restart of it can cost).
// Prints everything and writes a "Re-apply" section into docs/performance.md (between markers).
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { makeBusyboxRootfs } from '../../test/helpers/busybox';
import { podmanConf, PODMAN_GLOBAL } from '../lib/podman';
import { median, ms, ratio, REPO, writePerformanceSection } from '../lib/report';

const PODRUN = join(REPO, 'bin', 'podrun');
const RUNS = Number(process.env.RUNS ?? 7);
const IMAGE = 'localhost/busybox:bench';

const work = mkdtempSync('/var/tmp/podrun-bench-reapply-');
const root = join(work, 'root');
const env = { ...process.env, PODRUN_ROOT: root, CONTAINERS_CONF: podmanConf(work) };
const lines: string[] = [];
const say = (s = '') => {
  process.stdout.write(s + '\n');
  lines.push(s);
};

function run(cmd: string, args: string[], allowFail = false): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (!allowFail && r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`);
  return r;
}

function timed(cmd: string, args: string[]): { ms: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = run(cmd, args);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out: r.stdout };
}

/** The pod with container b's env X = VALUE; idle containers that end at once on SIGTERM. */
function podYaml(value: string): string {
  const loop = "trap 'exit 0' TERM; sleep 86400 & wait";
  const c = (n: string, more: Record<string, unknown> = {}) => ({ name: n, image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['/bin/sh', '-c', loop], ...more });
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'bench' },
    spec: { terminationGracePeriodSeconds: 5, containers: [c('a'), c('b', { env: [{ name: 'X', value }] }), c('c')] },
  });
}

function main(): void {
  const rootfs = makeBusyboxRootfs(join(work, 'rootfs'));
  say(`# podrun re-apply benchmark, ${new Date().toISOString()}, ${RUNS} runs each (median)`);
  say(`host: ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}, ${require('os').cpus().length} CPUs, node ${process.version}`);
  run(PODRUN, ['import', rootfs, IMAGE]);
  const yaml = join(work, 'bench.yaml');
  writeFileSync(yaml, podYaml('v0'));
  run(PODRUN, ['apply', '-f', yaml]);
  const podrunT: number[] = [];
  for (let i = 1; i <= RUNS + 1; i++) {
    writeFileSync(yaml, podYaml(`v${i}`));
    const t = timed(PODRUN, ['apply', '-f', yaml]);
    if (t.out !== 'pod/bench configured (container b restarted: env changed)\n') throw new Error(`podrun apply said: ${t.out}`);
    if (i > 1) podrunT.push(t.ms);
  }
  run(PODRUN, ['delete', 'pod', 'bench', '--now']);

  const notes: string[] = [];
  let podman: { replace: number; restart: number } | undefined;
  if (run('podman', [...PODMAN_GLOBAL, 'info'], true).status !== 0) notes.push('podman unavailable');
  else {
    try {
      const tar = join(work, 'rootfs.tar');
      run('tar', ['-C', rootfs, '-cf', tar, '.']);
      run('podman', [...PODMAN_GLOBAL, 'import', tar, IMAGE]);
      const play = (f: string) => [...PODMAN_GLOBAL, 'kube', 'play', '--replace', '--network', 'none', f];
      writeFileSync(yaml, podYaml('v0'));
      run('podman', play(yaml));
      const replaceT: number[] = [];
      for (let i = 1; i <= RUNS + 1; i++) {
        writeFileSync(yaml, podYaml(`v${i}`));
        const t = timed('podman', play(yaml));
        if (i > 1) replaceT.push(t.ms);
      }
      const restartT: number[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const s = timed('podman', [...PODMAN_GLOBAL, 'stop', '-t', '5', 'bench-b']);
        const t = timed('podman', [...PODMAN_GLOBAL, 'start', 'bench-b']);
        if (i > 0) restartT.push(s.ms + t.ms);
      }
      podman = { replace: median(replaceT), restart: median(restartT) };
    } catch (e) {
      notes.push(`podman failed: ${(e as Error).message.split('\n')[0]}`);
    } finally {
      run('podman', [...PODMAN_GLOBAL, 'kube', 'down', yaml], true);
    }
  }
  const p = median(podrunT);
  const out: string[] = [];
  const o = (s = '') => {
    out.push(s);
    say(s);
  };
  o('## Re-apply (bench/reapply)');
  o('');
  o(`${RUNS} runs each, median; ${new Date().toISOString().slice(0, 10)}; \`bench/reapply/run.sh\`. A running pod of 3 busybox containers; each run changes the env of container b and applies the file again.`);
  o('');
  o('| measure | podrun | podman | ratio | target |');
  o('|---|---|---|---|---|');
  o(`| re-apply after an env change in one container (podrun: b restarted in place; \`podman kube play --replace\`: the pod re-made) | ${ms(p)} | ${podman ? ms(podman.replace) : 'n/a'} | ${podman ? ratio(p, podman.replace) : 'n/a'} | <= 0.1x |`);
  o(`| vs that container's own stop plus start (\`podman stop -t 5\` + \`podman start\`) | ${ms(p)} | ${podman ? ms(podman.restart) : 'n/a'} | ${podman ? ratio(p, podman.restart) : 'n/a'} | <= 1x |`);
  for (const n of notes) o(`Note: ${n}`);
  if (!process.env.BENCH_NO_DOCS) writePerformanceSection('reapply', out.join('\n'));
}

try {
  main();
} finally {
  if (existsSync(join(root, 'pods', 'default_bench'))) run(PODRUN, ['delete', 'pod', 'bench', '--now'], true);
  run('podman', [...PODMAN_GLOBAL, 'rmi', '-f', IMAGE], true);
  rmSync(work, { recursive: true, force: true });
}
