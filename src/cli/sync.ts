// After apply and delete: the host's Service rules and the pods' managed /etc/hosts follow what
// changed (runtime/network/services-sync.ts). A failure is said and does not fail the command;
// the next apply, delete or readiness change syncs again.
import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import type { CliContext } from './context';
import { writeErr } from './output';

/**
 * What cut-short commands left, finished: deletes (runtime/finish-deletes.ts), then networks, then
 * Jobs' controllers that were lost (runtime/jobs.ts). By
 * apply, delete, down and get (wait finishes the pods it waits for itself); nothing marked costs
 * one readdir each.
 */
export async function finishLeftovers(ctx: Pick<CliContext, 'paths'>): Promise<void> {
  const { markedDeletes } = await import('../state/deleting-marks');
  if (markedDeletes(ctx.paths).length && process.getuid?.() === 0) {
    const { finishInterruptedDeletes } = await import('../runtime/finish-deletes');
    const done = await finishInterruptedDeletes(ctx.paths, (e) => writeErr(`warning: ${e.message}\n`));
    if (done.length) await syncServicesAfter(ctx);
  }
  await releaseLeftoverNetworks(ctx);
  // a Job whose controller was lost gets a new one (one readdir when there is no Job)
  if (process.getuid?.() === 0 && existsSync(join(ctx.paths.root, 'workloads', 'jobs'))) (await import('../runtime/jobs')).restartLostControllers(ctx.paths);
}

/**
 * What a crash left of pods' networks (their cache entries), released: by apply, delete and get.
 * The common case (no entry at all) costs one readdir and loads nothing. Anything released also
 * leaves the Services. Only root can: others see nothing to do.
 */
async function releaseLeftoverNetworks(ctx: Pick<CliContext, 'paths'>): Promise<void> {
  let entries: string[] = [];
  try {
    entries = readdirSync(join(ctx.paths.runRoot, 'network', 'cache', 'results')).filter((n) => !n.startsWith('.'));
  } catch {
    return;
  }
  if (!entries.length || process.getuid?.() !== 0) return;
  const { releaseStaleAttachments } = await import('../runtime/network/pod-network');
  const before = entries.length;
  for (const p of releaseStaleAttachments(ctx.paths)) writeErr(`warning: ${p.message}\n`);
  const after = readdirSync(join(ctx.paths.runRoot, 'network', 'cache', 'results')).filter((n) => !n.startsWith('.')).length;
  if (after < before) await syncServicesAfter(ctx);
}

export async function syncServicesAfter(ctx: Pick<CliContext, 'paths'>): Promise<void> {
  // Never any Service and no table of them: nothing to load (every apply and delete comes here).
  if (!existsSync(join(ctx.paths.runRoot, 'network', 'services.table')) && !nonEmpty(join(ctx.paths.root, 'objects', 'services'))) return;
  try {
    (await import('../runtime/network/services-sync')).syncServices(ctx.paths);
  } catch (e) {
    writeErr(`warning: Services: ${(e as Error).message}\n`);
  }
}

function nonEmpty(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}
