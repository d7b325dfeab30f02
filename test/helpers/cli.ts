// Runs the real CLI (bin/podrun) in a child process, as a user would, against a private root.
import './network-default'; // no pod networks in the host's namespace, whatever mocha was given
import { spawnSync, SpawnSyncOptions } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

export const PODRUN = join(__dirname, '..', '..', '..', 'bin', 'podrun');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function podrun(root: string, args: string[], opts: SpawnSyncOptions & { input?: string } = {}): CliResult {
  const r = spawnSync(PODRUN, args, {
    encoding: 'utf8',
    timeout: 120_000,
    ...opts,
    env: { ...process.env, PODRUN_ROOT: root, ...(opts.env ?? {}) },
  });
  return { code: r.status, signal: r.signal, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** A fresh store root under /tmp (not tmpfs-sensitive: overlay upper and lower live here). */
export function tempRoot(prefix = 'podrun-test-'): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export const isRoot = () => process.getuid?.() === 0;
