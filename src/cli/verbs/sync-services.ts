// podrun sync-services (not in the help: what a pod's monitor runs when its Ready condition
// changes, and what apply and delete do at their end). Brings the host's Service rules and every
// running pod's managed /etc/hosts up to date, with the root's stored settings.
import { parseArgs } from '../args';
import type { CliContext } from '../context';

const USAGE = 'podrun sync-services';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  // the flags earlier pods' monitors pass are accepted and not used: the settings are the root's
  parseArgs(argv, { 'service-cidr': { type: 'string' }, 'nodeport-addresses': { type: 'string' } }, USAGE);
  (await import('../../runtime/network/services-sync')).syncServices(ctx.paths);
  return 0;
}
