// podrun annotate: label's twin for metadata.annotations (cli/verbs/label.ts).
import type { CliContext } from '../context';
import { editCommand, metadataSpec } from './label';

export const spec = metadataSpec('annotate');

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  return editCommand(argv, ctx, spec, 'annotations', 'annotated');
}
