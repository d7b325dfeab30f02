// After apply and delete: the host's Service rules and the pods' managed /etc/hosts follow what
// changed (runtime/network/services-sync.ts). A failure is said and does not fail the command;
// the next apply, delete or readiness change syncs again.
import type { CliContext } from './context';
import { writeErr } from './output';

export async function syncServicesAfter(ctx: CliContext): Promise<void> {
  try {
    (await import('../runtime/network/services-sync')).syncServices(ctx.paths);
  } catch (e) {
    writeErr(`warning: Services: ${(e as Error).message}\n`);
  }
}
