import { PodrunError } from '../../errors';
import type { CliContext } from '../context';

export async function run(_argv: string[], _ctx: CliContext): Promise<number> {
  throw new PodrunError('podrun save: not implemented yet');
}
