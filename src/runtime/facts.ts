// Host facts the planner needs (it is pure; these are the only host reads apply feeds it).
import { readFileSync } from 'fs';
import { networkInterfaces } from 'os';

/** The host's first non-loopback IPv4 address (what kubectl shows as the node's IP), else 127.0.0.1. */
export function hostIPv4(): string {
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

/**
 * A pod without hostNetwork has only `lo` in its network namespace, so its address is
 * 127.0.0.1 (that is what its hostname maps to in /etc/hosts and what status.podIP says).
 */
export function podIPFor(hostNetwork: boolean, hostIP: string): string {
  return hostNetwork ? hostIP : '127.0.0.1';
}

export function hostResolvConf(): string | undefined {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return undefined;
  }
}
