import type { CliContext } from '../context';
import { podrunVersion } from '../../util/version';

export async function run(_argv: string[], ctx: CliContext): Promise<number> {
  ctx.out(`podrun ${podrunVersion()}\nnode ${process.version}\n`);
  return 0;
}
