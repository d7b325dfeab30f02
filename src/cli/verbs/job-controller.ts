// podrun job-controller NAMESPACE NAME (not in the help: what apply starts for a Job, in the
// background, docs/workloads.md "Jobs"). Runs the Job's controller until the Job is finished or
// deleted, then exits 0.
import { UsageError } from '../../util/errors';
import { parseArgs } from '../args';
import type { CliContext } from '../context';

const USAGE = 'podrun job-controller NAMESPACE NAME';

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs(argv, {}, USAGE);
  if (positionals.length !== 2) throw new UsageError('job-controller needs NAMESPACE and NAME', `usage: ${USAGE}`);
  await (await import('../../runtime/jobs')).runJobController(ctx.paths, positionals[0], positionals[1]);
  return 0;
}
