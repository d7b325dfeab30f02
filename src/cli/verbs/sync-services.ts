// podrun sync-services [--service-cidr CIDR] [--nodeport-addresses A,B] (not in the help: what a
// pod's monitor runs when its Ready condition changes, and what apply and delete do at their end)
// Brings the host's Service rules and every running pod's managed /etc/hosts up to date.
import { parseArgs, str } from '../args';
import type { CliContext } from '../context';

const USAGE = 'podrun sync-services [--service-cidr CIDR] [--nodeport-addresses ADDR,...]';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs(argv, { 'service-cidr': { type: 'string' }, 'nodeport-addresses': { type: 'string' } }, USAGE);
  const { syncServices, nodePortAddresses } = await import('../../runtime/network/services-sync');
  const { serviceCidr } = await import('../../runtime/network/service-alloc');
  const addresses = str(values['nodeport-addresses'])?.split(',').filter(Boolean) ?? nodePortAddresses();
  syncServices(ctx.paths, str(values['service-cidr']) ?? serviceCidr(), addresses);
  return 0;
}
