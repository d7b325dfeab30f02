// The probe (test/fixtures/c/probe.c): built static by staticProgram('probe'), put into a
// busybox image as /bin/probe (and a setuid-root copy, /bin/probe-suid), run in a container, its
// `NAME RESULT` lines read back. See probe.c for how to add an attempt.
import { spawnSync } from 'child_process';
import { chmodSync, copyFileSync } from 'fs';
import { join } from 'path';
import { CAPABILITY_NUMBERS } from '../../src/plan/security';

/** Every attempt probe.c makes, in its order. */
export const ATTEMPTS = [
  'keyctl',
  'add_key',
  'request_key',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'io_uring_setup',
  'unshare-user',
  'clone-user',
  'fork',
  'mount',
  'open_by_handle_at',
  'clone3',
];

/** The containment attempts, made only when named (`probe mknod ptrace:1`). */
export const CONTAINMENT_ATTEMPTS = ['mknod', 'mknod-open', 'ptrace', 'proc-root'];

/** What podrun's RuntimeDefault profile answers each attempt (for the default capabilities). */
export const REFUSED: Record<string, string> = Object.fromEntries(ATTEMPTS.map((a) => [a, a === 'clone3' ? 'ENOSYS' : a === 'fork' ? 'ok' : 'EPERM']));

/** Puts the probe into a rootfs: bin/probe, and bin/probe-suid owned by root with the setuid bit. */
export function addProbe(rootfs: string, probe: string): void {
  copyFileSync(probe, join(rootfs, 'bin', 'probe'));
  chmodSync(join(rootfs, 'bin', 'probe'), 0o755);
  copyFileSync(probe, join(rootfs, 'bin', 'probe-suid'));
  chmodSync(join(rootfs, 'bin', 'probe-suid'), 0o4755);
}

/** `NAME RESULT` lines (anywhere in `text`, e.g. a CRI log) by name; other lines are ignored. */
export function parseProbe(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /(?:^| )([a-z0-9_-]+) (ok|E[A-Z0-9]+|killed \S+)$/.exec(line);
    if (m && (ATTEMPTS.includes(m[1]) || CONTAINMENT_ATTEMPTS.includes(m[1]))) out[m[1]] = m[2];
  }
  return out;
}

/** The capability mask (hex) of kernel capability names. */
export function capMask(caps: readonly string[]): string {
  return caps.reduce((m, c) => m | (1n << BigInt(CAPABILITY_NUMBERS[c])), 0n).toString(16);
}

/**
 * What the kernel itself answers a process holding `caps` and no seccomp filter: the probe run on
 * the host, limited to those capabilities. An Unconfined container must answer the same.
 */
export function kernelAnswers(probe: string, caps: readonly string[]): Record<string, string> {
  const r = spawnSync(probe, ['--caps', capMask(caps)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`probe on the host failed: ${r.stderr}`);
  return parseProbe(r.stdout);
}
