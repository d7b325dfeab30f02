// A random (version 4) UUID for a new pod. The kernel makes one per read of
// /proc/sys/kernel/random/uuid, which spares the CLI loading node:crypto (~8 ms) for it.
import { readFileSync } from 'fs';

export function randomUuid(): string {
  try {
    const u = readFileSync('/proc/sys/kernel/random/uuid', 'utf8').trim();
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)) return u;
  } catch {
    /* no /proc: fall through */
  }
  return (require('crypto') as typeof import('crypto')).randomUUID();
}
