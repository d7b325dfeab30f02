// podrun job-controller NAMESPACE NAME (not in the help: what apply starts for a Job, in the
// background, docs/workloads.md "Jobs"). Runs the Job's controller until the Job is finished or
// deleted, then exits 0.
import { UsageError } from '../../util/errors';
import { parseArgs, type VerbSpec } from '../args';
import type { CliContext } from '../context';

export const spec: VerbSpec = {
  name: 'job-controller',
  usage: 'podrun job-controller NAMESPACE NAME',
  description: "Run a Job's controller (started by apply, in the background).",
  examples: [],
  options: {},
};
const USAGE = spec.usage;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs(argv, spec);
  if (positionals.length !== 2) throw new UsageError('job-controller needs NAMESPACE and NAME', `usage: ${USAGE}`);
  await (await import('../../runtime/jobs')).runJobController(ctx.paths, positionals[0], positionals[1]);
  return 0;
}
