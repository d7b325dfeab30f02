// Shared set-up for the pod runtime integration suites: a private PODRUN_ROOT with busybox
// imported, manifest writing, host-side views of container processes (/proc/PID/ns, /proc/PID/root),
// and the leak check every suite runs after deleting its pods.
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import { readFileSync, readdirSync, readlinkSync, writeFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { makeBusyboxRootfs } from '../helpers/busybox';
import { CliResult, podrun, PODRUN, tempRoot } from '../helpers/cli';
import { mountPoints, newProcesses, snapshot, HostSnapshot } from '../helpers/leaks';

export interface PodSuite {
  root: string;
  baseline: HostSnapshot;
  cleanup: () => void;
  run(args: string[], input?: string): CliResult;
}

export function setUpSuite(prefix: string): PodSuite {
  const baseline = snapshot();
  const { root, cleanup } = tempRoot(prefix);
  const rootfs = makeBusyboxRootfs(join(root, 'src-rootfs'));
  mkdirSync(join(rootfs, 'www'));
  writeFileSync(join(rootfs, 'etc', 'layer-file'), 'from-the-layer\n');
  const imp = podrun(root, ['import', rootfs, 'busybox:test']);
  expect(imp.code, imp.stderr).to.equal(0);
  return { root, baseline, cleanup, run: (args, input) => podrun(root, args, input !== undefined ? { input } : {}) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function waitFor<T>(fn: () => T | undefined | false, timeoutMs: number, what: string): T {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    spawnSync('sleep', ['0.1']);
  }
}

/** A v1 Pod as JSON text (valid YAML), busybox containers with imagePullPolicy Never. */
export function podManifest(name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): string {
  const containers = (spec.containers as Record<string, unknown>[]).map((c) => ({ image: 'busybox:test', imagePullPolicy: 'Never', ...c }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec: { terminationGracePeriodSeconds: 1, ...spec, containers } }, null, 2);
}

export function writeManifest(dir: string, file: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, file);
  writeFileSync(p, text);
  return p;
}

export interface PodView {
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
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
      pids[c.name] = JSON.parse(readFileSync(c.dirs.state, 'utf8')).pid;
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
      const ok = v.json.status.containerStatuses.every((c: any) => c.state.running || c.state.terminated); // eslint-disable-line @typescript-eslint/no-explicit-any
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
  const procs = newProcesses(s.baseline).filter((p) => p.cmd.includes(s.root));
  const mounts = mountPoints().filter((m) => !s.baseline.mounts.includes(m) && m.startsWith(s.root));
  s.cleanup();
  expect(errors, 'delete errors').to.deep.equal([]);
  expect(leftDirs, 'pod dirs left').to.deep.equal([]);
  expect(procs, 'processes left').to.deep.equal([]);
  expect(mounts, 'mounts left').to.deep.equal([]);
}

/** Runs the CLI without blocking the event loop (for concurrent applies). */
export function podrunAsync(root: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PODRUN, ...args], { env: { ...process.env, PODRUN_ROOT: root } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
