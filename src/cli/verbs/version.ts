import type { CliContext } from '../context';
import { version } from '../main';

export async function run(_argv: string[], ctx: CliContext): Promise<number> {
  ctx.out(`podrun ${version()}\nnode ${process.version}\n`);
  return 0;
}
