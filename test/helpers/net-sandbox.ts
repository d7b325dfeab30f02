// A network sandbox for the tests that give pods a network: podrun runs inside a network
// namespace this test made (`nsenter --net`, nothing else of the host changes: mounts and pids
// stay the host's), so the bridge, the pod addresses, the NAT and firewall rules exist only there.
// Beside it an "outside" namespace joined by a veth pair stands for the rest of the world: the
// sandbox's default route leads there and nowhere else, so no test traffic can reach a real host.
//
//   outside ns  out0 192.0.2.1/24  <--veth-->  up0 192.0.2.2/24  sandbox ns (podrun, podrun0, pods)
//
// 192.0.2.0/24 is TEST-NET-1 (RFC 5737), routed nowhere. If a test is killed, both namespaces are
// left in /run/netns with whatever ran there, never in the host's own namespace.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'child_process';
import { PODRUN, type CliResult } from './cli';

export const SANDBOX_HOST_IP = '192.0.2.2';
export const OUTSIDE_IP = '192.0.2.1';

let seq = 0;

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

export interface NetSandbox {
  name: string;
  outside: string;
  /** `podrun ARGS` inside the sandbox, with the test's root. */
  podrun(root: string, args: string[], opts?: SpawnSyncOptions & { input?: string }): CliResult;
  /** `podrun ARGS` inside the sandbox, not waited for. */
  spawnPodrun(root: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /** A command inside the sandbox (or the outside namespace). */
  run(cmd: string[], opts?: { outside?: boolean; input?: string; timeout?: number }): CliResult;
  spawn(cmd: string[], opts?: { outside?: boolean }): ChildProcess;
  destroy(): void;
}

export function createNetSandbox(): NetSandbox {
  const name = `podrun-t-${process.pid}-${seq++}`;
  const outside = `${name}-o`;
  ip('netns', 'add', name);
  try {
    ip('netns', 'add', outside);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    ip('-n', outside, 'link', 'set', 'lo', 'up');
    ip('-n', name, 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'out0', 'netns', outside);
    ip('-n', name, 'addr', 'add', `${SANDBOX_HOST_IP}/24`, 'dev', 'up0');
    ip('-n', outside, 'addr', 'add', `${OUTSIDE_IP}/24`, 'dev', 'out0');
    ip('-n', name, 'link', 'set', 'up0', 'up');
    ip('-n', outside, 'link', 'set', 'out0', 'up');
    ip('-n', name, 'route', 'add', 'default', 'via', OUTSIDE_IP);
  } catch (e) {
    spawnSync('ip', ['netns', 'del', outside]);
    spawnSync('ip', ['netns', 'del', name]);
    throw e;
  }
  const enter = (o?: boolean) => ['nsenter', `--net=/run/netns/${o ? outside : name}`, '--'];
  const result = (r: ReturnType<typeof spawnSync>): CliResult => ({ code: r.status, signal: r.signal, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') });
  return {
    name,
    outside,
    podrun(root, args, opts = {}) {
      const [cmd, ...rest] = [...enter(), PODRUN, ...args];
      return result(spawnSync(cmd, rest, { encoding: 'utf8', timeout: 120_000, ...opts, env: { ...process.env, PODRUN_NETWORK: 'podrun', PODRUN_ROOT: root, ...(opts.env ?? {}) } }));
    },
    spawnPodrun(root, args, env = {}) {
      const [cmd, ...rest] = [...enter(), PODRUN, ...args];
      return spawn(cmd, rest, { env: { ...process.env, PODRUN_NETWORK: 'podrun', PODRUN_ROOT: root, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    },
    run(cmd, opts = {}) {
      const [c, ...rest] = [...enter(opts.outside), ...cmd];
      return result(spawnSync(c, rest, { encoding: 'utf8', timeout: opts.timeout ?? 60_000, input: opts.input }));
    },
    spawn(cmd, opts = {}) {
      const [c, ...rest] = [...enter(opts.outside), ...cmd];
      return spawn(c, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    },
    destroy() {
      spawnSync('ip', ['netns', 'del', outside]);
      spawnSync('ip', ['netns', 'del', name]);
    },
  };
}

/** What podrun's pods may leave in a sandbox: veths, per-pod NAT/filter rules (the plugins' shared base chains aside). */
export function sandboxLeftovers(sb: NetSandbox): { veths: string[]; rules: string[] } {
  const links = sb.run(['ip', '-o', 'link', 'show', 'type', 'veth']).stdout.split('\n').filter(Boolean).map((l) => l.split(': ')[1].split('@')[0]).filter((n) => n !== 'up0');
  const rules = sb
    .run(['iptables-save'])
    .stdout.split('\n')
    .filter((l) => /10\.87\.|CNI-[0-9a-f]{24}|CNI-DN-|dnat name/.test(l));
  return { veths: links, rules };
}
