// podrun sync-services (not in the help: what a pod's monitor runs when its Ready condition
// changes, and what apply and delete do at their end). Brings the host's Service rules and every
// running pod's managed /etc/hosts up to date, with the root's stored settings.
import { parseArgs, type VerbSpec } from '../args';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'sync-services',
  usage: 'podrun sync-services',
  description: "Bring the Services' NAT rules up to date (run by a pod's monitor when its Ready condition changes).",
  examples: [],
  options: {
    'service-cidr': { type: 'string', help: 'accepted and not used (older monitors pass it)' },
    'nodeport-addresses': { type: 'string', help: 'accepted and not used (older monitors pass it)' },
  },
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  // the flags earlier pods' monitors pass are accepted and not used: the settings are the root's
  parseArgs(argv, spec);
  (await import('../../runtime/network/services-sync')).syncServices(ctx.paths);
  return 0;
}
