// The pod network benchmark (issue 12), run by bench/network/run.sh as root inside a network
// sandbox that script made (the bridge, addresses and NAT rules of both tools exist only there;
// nothing is sent beyond it). Whole-process figures, medians of RUNS runs:
// - apply and delete of a 2-container busybox pod on podrun's default network vs `podman kube
//   play/down` on podman's default bridge network, and podrun's own with --network none in the
//   same rounds (what the network costs it);
// - the CNI calls alone: ADD and DEL of podrun's default network list on a fresh namespace;
// - pod-to-pod TCP throughput and round-trip time over the bridge vs the same over loopback, and
//   through `podrun port-forward` vs to the pod directly.
// Prints everything and writes a "Networking" section into docs/performance.md (between markers).
import { spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { makeBusyboxRootfs } from '../../test/helpers/busybox';
import { podmanConf, PODMAN_GLOBAL } from '../lib/podman';
import { median, ms, ratio, REPO, writePerformanceSection } from '../lib/report';

const PODRUN = join(REPO, 'bin', 'podrun');
const RUNS = Number(process.env.RUNS ?? 7);
const IMAGE = 'localhost/busybox:bench';

const work = mkdtempSync('/var/tmp/podrun-netbench-');
const root = join(work, 'root');
const env = { ...process.env, PODRUN_ROOT: root, PODRUN_NETWORK: 'podrun', CONTAINERS_CONF: podmanConf(work) };
const lines: string[] = [];
const say = (s = '') => {
  process.stdout.write(s + '\n');
  lines.push(s);
};

function run(cmd: string, args: string[], opts: { allowFail?: boolean; env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: opts.env ?? env, maxBuffer: 64 << 20, input: opts.input });
  if (!opts.allowFail && r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`);
  return r;
}

function timed(cmd: string, args: string[], runEnv?: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  run(cmd, args, { env: runEnv });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function podYaml(name: string, containers: { name: string; command: string[]; securityContext?: object }[]): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, containers: containers.map((c) => ({ image: IMAGE, imagePullPolicy: 'IfNotPresent', ...c })) },
  });
}

const idle = (n: string) => ({ name: n, command: ['/bin/sh', '-c', "trap 'exit 0' TERM; sleep 86400 & wait"] });
const podrun = (args: string[]) => run(PODRUN, args);
const podIP = (pod: string) => JSON.parse(podrun(['get', 'pod', pod, '-o', 'json']).stdout).status.podIP as string;

/** MB/s of SIZE MiB of zeros from pod FROM to a listener at HOST:5001 in pod TO (busybox nc and dd). */
function throughput(from: string, to: string, host: string, mib = 256): number {
  const listener = spawn(PODRUN, ['exec', to, '--', '/bin/sh', '-c', 'nc -l -p 5001 > /dev/null'], { env, stdio: 'ignore' });
  spawnSync('sleep', ['0.3']);
  const t0 = process.hrtime.bigint();
  podrun(['exec', from, '--', '/bin/sh', '-c', `dd if=/dev/zero bs=1M count=${mib} 2>/dev/null | nc ${host} 5001`]);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  listener.kill();
  return mib / s;
}

/** Median round-trip time (ms) of ping from pod FROM to HOST. */
function rtt(from: string, host: string): number {
  const out = podrun(['exec', from, '--', '/bin/sh', '-c', `ping -c 20 -i 0.05 -q ${host}`]).stdout;
  const m = /= [\d.]+\/([\d.]+)\//.exec(out);
  return m ? Number(m[1]) : NaN;
}

/** Through HTTP from this (the sandbox host): MB/s of a big file, and the median time of a small request. */
function httpFigures(base: string): { mbps: number; reqMs: number } {
  const big = run('curl', ['-s', '-o', '/dev/null', '-w', '%{speed_download}', `${base}/big`]).stdout;
  const times: number[] = [];
  for (let i = 0; i < 21; i++) times.push(Number(run('curl', ['-s', '-o', '/dev/null', '-w', '%{time_total}', `${base}/small`]).stdout) * 1000);
  return { mbps: Number(big) / 1e6, reqMs: median(times) };
}

async function main(): Promise<void> {
  const rootfs = makeBusyboxRootfs(join(work, 'rootfs'));
  say(`# podrun network benchmark, ${new Date().toISOString()}, ${RUNS} runs each (median)`);
  say(`host: ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}, ${require('os').cpus().length} CPUs, node ${process.version}; inside the network sandbox ${process.env.PODRUN_BENCH_SANDBOX ?? '?'}`);
  podrun(['import', rootfs, IMAGE]);
  const yaml = join(work, 'bench.yaml');
  writeFileSync(yaml, podYaml('bench', [idle('a'), idle('b')]));

  // ---- apply / delete: on the network, and with --network none, in the same rounds ----
  const applyT: number[] = [];
  const deleteT: number[] = [];
  const applyNoneT: number[] = [];
  const deleteNoneT: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const a = timed(PODRUN, ['apply', '-f', yaml]);
    const d = timed(PODRUN, ['delete', 'pod', 'bench']);
    const an = timed(PODRUN, ['apply', '-f', yaml, '--network', 'none']);
    const dn = timed(PODRUN, ['delete', 'pod', 'bench']);
    if (i > 0) {
      applyT.push(a);
      deleteT.push(d);
      applyNoneT.push(an);
      deleteNoneT.push(dn);
    }
  }

  // ---- the CNI calls alone, on a fresh namespace (the list apply uses) ----
  const addT: number[] = [];
  const delT: number[] = [];
  {
    const { loadNetwork } = require('../../src/runtime/network/conflist') as typeof import('../../src/runtime/network/conflist');
    const { addNetworkList, delNetworkList } = require('../../src/runtime/network/cni') as typeof import('../../src/runtime/network/cni');
    const { resolvePaths } = require('../../src/util/paths') as typeof import('../../src/util/paths');
    const list = loadNetwork(resolvePaths({ root }), 'podrun');
    const ns = 'podrun-netbench-pod';
    for (let i = 0; i <= RUNS; i++) {
      run('ip', ['netns', 'add', ns]);
      const rt = { containerId: `bench${String(i).padStart(27, '0')}`, netns: `/run/netns/${ns}`, ifName: 'eth0', args: [['IgnoreUnknown', '1']] as [string, string][], capabilityArgs: {} };
      let t0 = process.hrtime.bigint();
      const result = addNetworkList(list, rt);
      const add = Number(process.hrtime.bigint() - t0) / 1e6;
      t0 = process.hrtime.bigint();
      delNetworkList(list, rt, result);
      const del = Number(process.hrtime.bigint() - t0) / 1e6;
      run('ip', ['netns', 'del', ns]);
      if (i > 0) {
        addT.push(add);
        delT.push(del);
      }
    }
  }

  // ---- podman on its default bridge network ----
  const notes: string[] = [];
  let podman: { play: number; down: number } | undefined;
  if (run('podman', [...PODMAN_GLOBAL, 'info'], { allowFail: true }).status !== 0) notes.push('podman unavailable');
  else {
    const tar = join(work, 'rootfs.tar');
    run('tar', ['-C', rootfs, '-cf', tar, '.']);
    run('podman', [...PODMAN_GLOBAL, 'import', tar, IMAGE]);
    try {
      const play: number[] = [];
      const down: number[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const p = timed('podman', [...PODMAN_GLOBAL, 'kube', 'play', yaml]);
        const d = timed('podman', [...PODMAN_GLOBAL, 'kube', 'down', yaml]);
        if (i > 0) {
          play.push(p);
          down.push(d);
        }
      }
      podman = { play: median(play), down: median(down) };
    } catch (e) {
      notes.push(`podman failed: ${(e as Error).message.split('\n')[0]}`);
      run('podman', [...PODMAN_GLOBAL, 'kube', 'down', yaml], { allowFail: true });
    }
  }

  // ---- traffic: pod to pod over the bridge vs loopback; port-forward vs direct ----
  const serve = `mkdir -p /tmp/www && dd if=/dev/zero of=/tmp/www/big bs=1M count=256 2>/dev/null && echo ok > /tmp/www/small && exec httpd -f -p 8080 -h /tmp/www`;
  // ping needs NET_RAW, which podrun's default capabilities leave out (containerd's since 1.7 do too)
  const raw = { capabilities: { add: ['NET_RAW'] } };
  writeFileSync(join(work, 'pair.yaml'), podYaml('server', [{ name: 'app', command: ['/bin/sh', '-c', serve], securityContext: raw }]) + '\n---\n' + podYaml('client', [{ ...idle('c'), securityContext: raw }]));
  podrun(['apply', '-f', join(work, 'pair.yaml')]);
  spawnSync('sleep', ['2']);
  const server = podIP('server');
  const bridgeMBps = median([0, 1, 2].map(() => throughput('client', 'server', server)));
  const loopMBps = median([0, 1, 2].map(() => throughput('server', 'server', '127.0.0.1')));
  const bridgeRtt = rtt('client', server);
  const loopRtt = rtt('server', '127.0.0.1');
  const direct = httpFigures(`http://${server}:8080`);
  const pf = spawn(PODRUN, ['port-forward', 'pod/server', '18400:8080'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve) => {
    let out = '';
    pf.stdout!.on('data', (b) => {
      out += b;
      if (out.includes('Forwarding from 127.0.0.1:18400')) resolve();
    });
  });
  const forwarded = httpFigures('http://127.0.0.1:18400');
  pf.kill('SIGINT');
  podrun(['delete', 'pods', '--all', '--grace-period', '0']);

  // ---- report ----
  const o = say;
  o('');
  o('| figure | podrun | reference | ratio | target |');
  o('|---|---|---|---|---|');
  o(`| apply of a 2-container pod on a pod network (\`podman kube play\`, default bridge network) | ${ms(median(applyT))} | ${podman ? ms(podman.play) : 'n/a'} | ${podman ? ratio(median(applyT), podman.play) : 'n/a'} | <= 0.3x |`);
  o(`| delete (\`podman kube down\`) | ${ms(median(deleteT))} | ${podman ? ms(podman.down) : 'n/a'} | ${podman ? ratio(median(deleteT), podman.down) : 'n/a'} | |`);
  o(`| apply with \`--network none\` (the network's cost: the difference) | ${ms(median(applyNoneT))} | | | |`);
  o(`| delete with \`--network none\` | ${ms(median(deleteNoneT))} | | | |`);
  o(`| CNI ADD of podrun's default list (bridge with host-local, portmap, firewall) | ${ms(median(addT))} | | | |`);
  o(`| CNI DEL of it | ${ms(median(delT))} | | | |`);
  o(`| pod-to-pod TCP throughput over podrun0 (over the pod's loopback) | ${bridgeMBps.toFixed(0)} MB/s | ${loopMBps.toFixed(0)} MB/s | ${ratio(bridgeMBps, loopMBps)} | |`);
  o(`| pod-to-pod ping round trip (loopback) | ${bridgeRtt.toFixed(3)} ms | ${loopRtt.toFixed(3)} ms | ${ratio(bridgeRtt, loopRtt)} | |`);
  o(`| HTTP download through port-forward (direct to the pod IP) | ${forwarded.mbps.toFixed(0)} MB/s | ${direct.mbps.toFixed(0)} MB/s | ${ratio(forwarded.mbps, direct.mbps)} | |`);
  o(`| HTTP request through port-forward (direct) | ${ms(forwarded.reqMs)} | ${ms(direct.reqMs)} | ${ratio(forwarded.reqMs, direct.reqMs)} | |`);
  for (const n of notes) o(`note: ${n}`);
  o('');
  o('Throughput: 256 MiB of zeros, busybox `dd | nc` from one pod to a `nc -l` in another (or in the same pod to 127.0.0.1), whole-process time including `podrun exec`; round trip: the median of busybox `ping -c 20`. port-forward: `curl` from the sandbox host of a 256 MiB file and the median of 21 small requests, through `podrun port-forward` vs to the pod IP.');
  if (!process.env.BENCH_NO_DOCS) writePerformanceSection('network', `## Networking (bench/network)\n\n${lines.join('\n')}\n`);
}

main()
  .catch((e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    run(PODRUN, ['delete', 'pods', '--all', '--grace-period', '0'], { allowFail: true });
    run('podman', [...PODMAN_GLOBAL, 'kube', 'down', join(work, 'bench.yaml')], { allowFail: true });
    rmSync(work, { recursive: true, force: true });
  });
