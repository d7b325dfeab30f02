// A thin wrapper over node:util parseArgs that turns its errors into UsageError (exit 2).
import { parseArgs as nodeParseArgs } from 'util';
import { HelpRequest, UsageError } from '../util/errors';
import { MAX_GRACE_SECONDS } from '../manifest/grace';

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

/**
 * A boolean option also takes `--NAME=true` and `--NAME=false`, as docker and kubectl read them
 * (`commit --pause=false`); the last one given wins. node's parseArgs refuses a value there.
 */
function explicitBooleans(head: string[], options: OptionSpec): { args: string[]; last: Map<string, boolean> } {
  const args: string[] = [];
  const last = new Map<string, boolean>();
  for (const a of head) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    const name = m?.[1];
    if (!m || !name || options[name]?.type !== 'boolean') {
      args.push(a);
      continue;
    }
    if (m[2] === undefined || m[2] === 'true') last.set(name, true);
    else if (m[2] === 'false') last.set(name, false);
    else throw new UsageError(`option --${name} is true or false, got ${JSON.stringify(m[2])}`);
    if (m[2] !== 'false') args.push(`--${name}`);
  }
  return { args, last };
}

export function parseArgs(argv: string[], options: OptionSpec, usage: string): Parsed {
  const dd = argv.indexOf('--');
  const head = dd >= 0 ? argv.slice(0, dd) : argv;
  const rest = dd >= 0 ? argv.slice(dd + 1) : [];
  if (head.includes('-h') || head.includes('--help')) throw new HelpRequest(`usage: ${usage}`);
  try {
    const { args, last } = explicitBooleans(head, options);
    const r = nodeParseArgs({ args, options, allowPositionals: true, strict: true });
    const values = r.values as Parsed['values'];
    for (const [name, v] of last) values[name] = v;
    return { values, positionals: r.positionals, rest };
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

/**
 * `--grace-period N` / `--now` of delete and apply: seconds, or undefined for the pod's own
 * (kubectl's -1). 0 kills at once; --now is 1.
 */
export function gracePeriodOption(values: Record<string, unknown>): number | undefined {
  const grace = int(values['grace-period'], 'grace-period');
  if (grace !== undefined && grace < -1) throw new UsageError("--grace-period: expected a number of seconds >= 0 (or -1 for the pod's own)");
  if (grace !== undefined && grace > MAX_GRACE_SECONDS)
    throw new UsageError(`--grace-period ${grace}: podrun waits at most ${MAX_GRACE_SECONDS} seconds (24 h) for a pod to stop`, `give 0..${MAX_GRACE_SECONDS}; 0 kills at once, and --now is 1`);
  if (values.now) {
    if (grace !== undefined) throw new UsageError('--now and --grace-period cannot be used together', '--now is --grace-period 1');
    return 1;
  }
  return grace === -1 ? undefined : grace;
}
