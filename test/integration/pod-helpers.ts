// Shared set-up for the pod runtime integration suites: a private PODRUN_ROOT with busybox
// imported, manifest writing, host-side views of container processes (/proc/PID/ns, /proc/PID/root),
// and the leak check every suite runs after deleting its pods (mounts, processes, cgroups).
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { connect } from 'net';
import { makeBusyboxRootfs } from '../helpers/busybox';
import { CliResult, podrun, PODRUN, tempRoot } from '../helpers/cli';
import { createNetSandbox, sandboxLeftovers, type NetSandbox } from '../helpers/net-sandbox';
import { mountsDiff, mountsUnder, newPodrunProcesses, podrunCgroups, removeCgroups, snapshot, HostSnapshot } from '../helpers/leaks';

export interface PodSuite {
  root: string;
  baseline: HostSnapshot;
  cleanup: () => void;
  run(args: string[], input?: string): CliResult;
}

/** What the pod-*.test.ts suites add to the busybox rootfs: /www and /etc/layer-file. */
export function podSuiteFiles(rootfs: string): void {
  mkdirSync(join(rootfs, 'www'));
  writeFileSync(join(rootfs, 'etc', 'layer-file'), 'from-the-layer\n');
}

/**
 * A host snapshot, then a private PODRUN_ROOT with a busybox rootfs (at ROOT/src-rootfs, changed
 * by `prepare` first) imported as busybox:test. If set-up fails the root is removed again.
 */
export function setUpSuite(prefix: string, prepare: (rootfs: string) => void = podSuiteFiles): PodSuite {
  const baseline = snapshot();
  const { root, cleanup } = tempRoot(prefix);
  try {
    const rootfs = makeBusyboxRootfs(join(root, 'src-rootfs'));
    prepare(rootfs);
    const imp = podrun(root, ['import', rootfs, 'busybox:test']);
    expect(imp.code, imp.stderr).to.equal(0);
  } catch (e) {
    cleanup();
    throw e;
  }
  return { root, baseline, cleanup, run: (args, input) => podrun(root, args, input !== undefined ? { input } : {}) };
}

/**
 * Readers of a pod's files under ROOT (a suite's root, read when called): its folder, a
 * container's state.json, its events (none before events.json is written) and the first event
 * of a reason whose message matches.
 */
export function podFiles(root: () => string) {
  const dir = (name: string) => join(root(), 'pods', `default_${name}`);
  const state = (name: string, c = 'app') => JSON.parse(readFileSync(join(dir(name), 'containers', c, 'state.json'), 'utf8'));
  const events = (name: string): any[] => {
    try {
      return JSON.parse(readFileSync(join(dir(name), 'events.json'), 'utf8')).events;
    } catch {
      return [];
    }
  };
  const event = (name: string, reason: string, re?: RegExp) => events(name).find((e) => e.reason === reason && (!re || re.test(e.message)));
  return { dir, state, events, event };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `ok` every 50 ms without blocking the event loop; rejects after `ms`. */
/** Polls `ok` for up to `ms`; on a time-out, `seen` (what the test has so far) goes into the error. */
export async function until(ok: () => boolean, ms: number, seen?: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(seen ? `timed out; so far:\n${seen()}` : 'timed out');
    await sleep(50);
  }
}

export function waitFor<T>(fn: () => T | undefined | false, timeoutMs: number, what: string): T {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    spawnSync('sleep', ['0.1']);
  }
}

/** A v1 Pod as JSON text (valid YAML), busybox containers and init containers with imagePullPolicy Never. */
export function podManifest(name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): string {
  const local = (list: unknown) => (list as Record<string, unknown>[]).map((c) => ({ image: 'busybox:test', imagePullPolicy: 'Never', ...c }));
  const inits = spec.initContainers ? { initContainers: local(spec.initContainers) } : {};
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec: { terminationGracePeriodSeconds: 1, ...spec, containers: local(spec.containers), ...inits } }, null, 2);
}

export function writeManifest(dir: string, file: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, file);
  writeFileSync(p, text);
  return p;
}

export interface PodView {
  json: any;
  pausePid: number;
  monitorPid: number;
  pids: Record<string, number>;
}

/** The pod as `get -o json` shows it, plus host pids from pod.json/monitor.json/state.json. */
export function viewPod(root: string, name: string, namespace = 'default'): PodView {
  const r = podrun(root, ['get', 'pod', name, '-n', namespace, '-o', 'json']);
  expect(r.code, r.stderr).to.equal(0);
  const key = `${namespace}_${name}`;
  const mon = JSON.parse(readFileSync(join(root, 'pods', key, 'monitor.json'), 'utf8'));
  const rec = JSON.parse(readFileSync(join(root, 'pods', key, 'pod.json'), 'utf8'));
  const pids: Record<string, number> = {};
  for (const c of rec.plan.containers) {
    try {
      pids[c.name] = JSON.parse(readFileSync(c.dirs.stateFile, 'utf8')).pid;
    } catch {
      /* not started */
    }
  }
  return { json: JSON.parse(r.stdout), pausePid: mon.pausePid, monitorPid: mon.pid, pids };
}

export const nsInode = (pid: number, ns: string) => readlinkSync(`/proc/${pid}/ns/${ns}`);

/** A container file as the container sees it, read from the host through /proc/PID/root. */
export const containerFile = (pid: number, path: string) => readFileSync(`/proc/${pid}/root${path}`, 'utf8');

export function logText(root: string, name: string, container: string, namespace = 'default'): string {
  try {
    return readFileSync(join(root, 'pods', `${namespace}_${name}`, 'logs', container, '0.log'), 'utf8');
  } catch {
    return '';
  }
}

/** Waits until every container of the pod has a running or terminated state. */
export function waitStarted(root: string, name: string): PodView {
  return waitFor(
    () => {
      const v = viewPod(root, name);
      const ok = v.json.status.containerStatuses.every((c: any) => c.state.running || c.state.terminated);
      return ok ? v : undefined;
    },
    60_000,
    `pod ${name} to start`,
  );
}

/** Deletes every pod of the suite (in any namespace), then asserts nothing of it is left on the host. */
export function tearDownSuite(s: PodSuite | undefined, namespaces: string[] = ['default']): void {
  if (!s) return;
  const errors: string[] = [];
  for (const ns of namespaces) {
    // workloads first: a pod of one still there would be replaced by its controller
    if (existsSync(join(s.root, 'workloads')))
      for (const kind of ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs']) {
        const w = s.run(['delete', kind, '--all', '-n', ns, '--grace-period', '0']);
        if (w.code !== 0) errors.push(w.stderr);
      }
    const d = s.run(['delete', 'pods', '--all', '-n', ns, '--grace-period', '0']);
    if (d.code !== 0) errors.push(d.stderr);
  }
  const leftDirs = (() => {
    try {
      return readdirSync(join(s.root, 'pods'));
    } catch {
      return [];
    }
  })();
  const procs = newPodrunProcesses(s.baseline, s.root);
  const mounts = mountsUnder(s.root).filter((m) => !s.baseline.mounts.includes(m));
  const cgroups = podrunCgroups(s.root);
  removeCgroups(cgroups);
  s.cleanup();
  expect(errors, 'delete errors').to.deep.equal([]);
  expect(leftDirs, 'pod dirs left').to.deep.equal([]);
  expect(procs, 'processes left').to.deep.equal([]);
  expect(mounts, 'mounts left').to.deep.equal([]);
  expect(cgroups, 'cgroups left').to.deep.equal([]);
}

/** Runs the CLI without blocking the event loop (for concurrent applies). */
export function podrunAsync(root: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(PODRUN, args, { env: { ...process.env, PODRUN_ROOT: root } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Deletes a pod, retrying a failed attempt: the store root is removed right after, so a delete
 * lost to a transient failure would leave the pod's processes running with nothing to find them.
 */
export function deletePod(root: string, name: string): CliResult {
  let r = podrun(root, ['delete', 'pod', name, '--now']);
  for (let i = 0; i < 3 && r.code !== 0 && !/not found/.test(r.stderr); i++) {
    spawnSync('sleep', ['1']);
    r = podrun(root, ['delete', 'pod', name, '--now']);
  }
  return r;
}

/**
 * Teardown for suites that name their pods: deletes each of `pods` (with retries) and each of
 * `mayExist` (whose delete may fail: it need not have been created), removes the root, then
 * asserts every delete of `pods` succeeded, with `mayExist` non-empty that `get pods` listed
 * nothing after the deletes, and that no mount was added under the root, no podrun process
 * (helper, pause, or one mentioning the root) and no cgroup of the root's pods is left.
 */
export function deletePodsAndCheckLeaks(s: PodSuite | undefined, pods: string[], mayExist: string[] = []): void {
  if (!s) return;
  const deletes = pods.map((name) => deletePod(s.root, name));
  for (const name of mayExist) deletePod(s.root, name);
  const rest = mayExist.length > 0 ? s.run(['get', 'pods', '-o', 'name']) : undefined;
  const cgroups = podrunCgroups(s.root);
  removeCgroups(cgroups);
  s.cleanup();
  for (const d of deletes) expect(d.code, d.stderr).to.equal(0);
  if (rest) expect(rest.stdout).to.equal('');
  expect(mountsDiff(s.baseline, s.root).added).to.deep.equal([]);
  expect(newPodrunProcesses(s.baseline, s.root)).to.deep.equal([]);
  expect(cgroups, 'cgroups left').to.deep.equal([]);
}

/** Sends REQUEST after the hello; resolves with the reply, or `timeout` after MS (the connection is kept open meanwhile). */
export function control(sock: string, request: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const c = connect(sock);
    let buf = '';
    const t = setTimeout(() => {
      c.destroy();
      resolve('timeout');
    }, ms);
    c.on('data', (d) => {
      buf += d.toString();
      if (buf === 'podrun-control 1\n') c.write(`podrun-control 1\n${request}\n`);
      else if (buf.startsWith('podrun-control 1\n') && buf.endsWith('\n')) {
        clearTimeout(t);
        c.destroy();
        resolve(buf.slice('podrun-control 1\n'.length));
      }
    });
    c.on('error', (e) => {
      clearTimeout(t);
      resolve(`error ${e.message}`);
    });
  });
}

/**
 * A pod suite whose podrun runs inside a network sandbox of its own (test/helpers/net-sandbox.ts):
 * every command of the suite, tearDownSuite's deletes too, and a folder for its manifests.
 */
export function openNetworkSuite(prefix: string): { s: PodSuite; sb: NetSandbox; dir: string } {
  hostNetworkBefore = hostNetworkObjects();
  const s = setUpSuite(prefix);
  let sb: NetSandbox;
  try {
    sb = createNetSandbox();
  } catch (e) {
    s.cleanup();
    throw e;
  }
  s.run = (args, input) => sb.podrun(s.root, args, input !== undefined ? { input } : {});
  const dir = join(s.root, 'manifests');
  mkdirSync(dir);
  return { s, sb, dir };
}

/** Deletes the suite's pods and checks for leaks (the sandbox's veths and rules too), then removes the sandbox. */
export function closeNetworkSuite(s: PodSuite | undefined, sb: NetSandbox | undefined): void {
  try {
    if (s) {
      tearDownSuite(s);
      if (sb) expect(sandboxLeftovers(sb)).to.deep.equal({ veths: [], rules: [] });
    }
  } finally {
    sb?.destroy();
  }
  // Nothing of the suite ever reached the host's own network namespace: no new link, no podrun table.
  expect(hostNetworkObjects(), "the host's network namespace").to.deep.equal(hostNetworkBefore);
}

let hostNetworkBefore: { links: string[]; tables: string[] } = { links: [], tables: [] };

/** The host namespace's links and nftables tables (this process's namespace: the tests' host). */
function hostNetworkObjects(): { links: string[]; tables: string[] } {
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((l) => l.split(': ')[1]?.split('@')[0] ?? '').filter((n) => /^(podrun|veth|cni)/.test(n)).sort();
  const tables = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes('podrun')).sort();
  return { links, tables };
}

/** script(1) (util-linux), which the terminal tests drive the CLI through. */
export const haveScript = () => spawnSync('script', ['--version']).error === undefined;

/**
 * Runs the CLI in a pseudo-terminal (script(1)) in CWD; `type` writes to it as a keyboard would
 * (\x03: Ctrl-C, which the terminal turns into SIGINT for the command).
 */
export function inTerminal(root: string, args: string[], cwd?: string, extraEnv: NodeJS.ProcessEnv = {}) {
  // script(1) runs $SHELL -c; dash forks rather than execs a lone command, and a shell left as the
  // terminal's foreground process dies of Ctrl-C itself (exit 130). So: a fixed shell, and exec.
  const cmd = ['exec', ...[PODRUN, ...args].map((a) => `'${a}'`)].join(' ');
  const env = { ...process.env, ...extraEnv, PODRUN_ROOT: root, TERM: 'xterm', SHELL: '/bin/sh' };
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd, env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { output: () => out, type: (s: string) => child.stdin.write(s), done, pid: child.pid };
}
