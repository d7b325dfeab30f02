// A thin wrapper over node:util parseArgs that turns its errors into UsageError (exit 2).
import { parseArgs as nodeParseArgs } from 'util';
import { HelpRequest, UsageError } from '../util/errors';

export type OptionSpec = Record<
  string,
  { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean | string[] }
>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Everything after a literal `--`, untouched (for `exec -- CMD ...`). */
  rest: string[];
}

export function parseArgs(argv: string[], options: OptionSpec, usage: string): Parsed {
  const dd = argv.indexOf('--');
  const head = dd >= 0 ? argv.slice(0, dd) : argv;
  const rest = dd >= 0 ? argv.slice(dd + 1) : [];
  if (head.includes('-h') || head.includes('--help')) throw new HelpRequest(`usage: ${usage}`);
  try {
    const r = nodeParseArgs({ args: head, options, allowPositionals: true, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals, rest };
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]}`, `usage: ${usage}`);
  }
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function int(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v) || !Number.isSafeInteger(n))
    throw new UsageError(`--${name}: expected a whole number, got '${String(v)}'`);
  return n;
}
