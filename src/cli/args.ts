// A thin wrapper over node:util parseArgs that turns its errors into podrun's own UsageError
// (exit 2, with a suggestion), and the spec every verb declares: its flags with a line each, its
// usage and examples. The same spec gives `--help`, `podrun help VERB`, the man pages
// (scripts/man.js) and shell completion (cli/complete.ts): one text, never out of step.
import { parseArgs as nodeParseArgs } from 'util';
import { HelpRequest, UsageError } from '../util/errors';
import { MAX_GRACE_SECONDS } from '../manifest/grace';

/** What completion offers for a flag's value or an operand (cli/complete.ts). */
export type Completion = 'pods' | 'containers' | 'namespaces' | 'images' | 'files' | 'resource-types' | 'resource-names' | 'workloads' | 'copy-specs' | readonly string[];

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean | string[];
  /** One line for --help and the man page. */
  help: string;
  /** The value's name in --help (`-f, --filename=FILE`); default VALUE. */
  arg?: string;
  complete?: Completion;
}

export type OptionSpec = Record<string, FlagSpec>;

export interface VerbSpec {
  /** The command as typed after `podrun`: `logs`, `image prune`. */
  name: string;
  /** One or more usage lines, each starting `podrun NAME`. */
  usage: string;
  /** What the command does: the first paragraph of --help. */
  description: string;
  /** [what it does, the command line] */
  examples: ReadonlyArray<readonly [string, string]>;
  options: OptionSpec;
  /** What each positional argument is, for completion. */
  operands?: readonly Completion[];
  /** The last operand may be given again and again (`get pods a b c`, `rmi x y`). */
  repeatLast?: boolean;
  /** A group's commands (`image ls`), each with a spec of its own. */
  subcommands?: Readonly<Record<string, VerbSpec>>;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** Everything after a literal `--`, untouched (for `exec -- CMD ...`). */
  rest: string[];
}

const GLOBAL_FLAGS = '--root DIR, --run-root DIR, --log-level LEVEL, --log-file FILE, --debug';

/** kubectl's --help layout: description, examples, options, usage. */
export function renderHelp(spec: VerbSpec): string {
  const out = [spec.description, ''];
  if (spec.examples.length) {
    out.push('Examples:');
    for (const [what, cmd] of spec.examples) out.push(`  # ${what}`, `  ${cmd}`, '');
  }
  if (spec.subcommands) {
    out.push('Commands:');
    const w = Math.max(...Object.keys(spec.subcommands).map((k) => k.length));
    for (const [k, sub] of Object.entries(spec.subcommands)) out.push(`  ${k.padEnd(w)}  ${sub.description.split('\n')[0]}`);
    out.push('');
  }
  const flags = flagLines(spec.options);
  if (flags.length) {
    out.push('Options:');
    const w = Math.min(Math.max(...flags.map(([f]) => f.length)), 34);
    for (const [f, h] of flags) out.push(f.length > w ? `  ${f}\n  ${''.padEnd(w)}  ${h}` : `  ${f.padEnd(w)}  ${h}`);
    out.push('');
  }
  out.push('Usage:', ...spec.usage.split('\n').map((l) => `  ${l.trim()}`), '');
  out.push(`Global options (every command): ${GLOBAL_FLAGS}.`);
  out.push(spec.subcommands ? `Use 'podrun ${spec.name} COMMAND --help' for a command's options.` : "Use 'podrun help' for the list of commands.");
  return out.join('\n');
}

/** `-f, --filename=FILE` and its line, sorted by name as kubectl lists them. */
export function flagLines(options: OptionSpec): Array<[string, string]> {
  return Object.entries(options)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, f]) => {
      const value = f.type === 'string' ? `=${f.arg ?? 'VALUE'}` : '';
      const dflt = f.default !== undefined && f.default !== false ? ` (default ${Array.isArray(f.default) ? f.default.join(',') : String(f.default)})` : '';
      return [`${f.short ? `-${f.short}, ` : '    '}--${name}${value}`, `${f.help}${dflt}`];
    });
}

/** The closest flag to a mistyped one: a prefix of it, or at most two edits away. */
export function nearestFlag(typed: string, options: OptionSpec): string | undefined {
  const t = typed.replace(/^-+/, '').split('=')[0];
  const names = Object.keys(options);
  const prefixed = names.filter((n) => n.startsWith(t));
  if (t.length >= 2 && prefixed.length === 1) return prefixed[0];
  let best: { name: string; d: number } | undefined;
  for (const n of names) {
    const d = editDistance(t, n);
    if (d <= Math.min(2, Math.floor(n.length / 3)) && (!best || d < best.d)) best = { name: n, d };
  }
  return best?.name;
}

/** Edits from A to B: insertions, deletions, substitutions, and two neighbours swapped (`lgos`). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** node's parseArgs error as podrun says it: kubectl's words, a suggestion, where the flags are listed. */
function flagError(e: Error & { code?: string }, spec: VerbSpec, args: string[]): UsageError {
  const see = `see 'podrun ${spec.name} --help' for its flags`;
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = nearestFlag(quoted, spec.options);
    return new UsageError(`unknown flag: ${quoted}`, near ? `did you mean --${near}? (${see})` : see);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // node says `'-f, --filename <value>'`: the spelling the user typed
    const spellings = quoted.match(/--?[A-Za-z][\w-]*/g) ?? [quoted];
    const flag = spellings.find((f) => args.includes(f)) ?? spellings[spellings.length - 1];
    if (/does not take an argument/.test(e.message)) return new UsageError(`flag ${flag} takes no value`, see);
    // missing, or the next word starts with - (a flag, or a value that must be given with =)
    return new UsageError(`flag needs an argument: ${flag}`, /ambiguous/.test(e.message) ? `a value starting with - is given as ${flag}=-VALUE; ${see}` : see);
  }
  return new UsageError(e.message.split('\n')[0], see);
}

/**
 * A boolean option also takes `--NAME=true` and `--NAME=false`, as docker and kubectl read them
 * (`commit --pause=false`); the last one given wins. node's parseArgs refuses a value there.
 */
function explicitBooleans(head: string[], options: OptionSpec): { args: string[]; last: Map<string, boolean> } {
  const args: string[] = [];
  const last = new Map<string, boolean>();
  for (const a of head) {
    // `--pause=false`, and cobra's `-H=false` for a one-letter flag
    const short = /^-([A-Za-z])=(.*)$/.exec(a);
    const long = short ? Object.entries(options).find(([, f]) => f.short === short[1])?.[0] : undefined;
    const m = long ? ([a, long, short![2]] as const) : /^--([^=]+)(?:=(.*))?$/.exec(a);
    const name = m?.[1];
    if (!m || !name || options[name]?.type !== 'boolean') {
      args.push(long ? `--${long}=${short![2]}` : a); // pflag's `-o=json` is `-o json`
      continue;
    }
    if (m[2] === undefined || m[2] === 'true') last.set(name, true);
    else if (m[2] === 'false') last.set(name, false);
    else throw new UsageError(`option --${name} is true or false, got ${JSON.stringify(m[2])}`);
    if (m[2] !== 'false') args.push(`--${name}`);
  }
  return { args, last };
}

export function parseArgs(argv: string[], spec: VerbSpec): Parsed {
  const options = spec.options;
  const dd = argv.indexOf('--');
  const head = dd >= 0 ? argv.slice(0, dd) : argv;
  const rest = dd >= 0 ? argv.slice(dd + 1) : [];
  if (head.includes('-h') || head.includes('--help')) throw new HelpRequest(renderHelp(spec));
  const { args, last } = explicitBooleans(head, options);
  let r: ReturnType<typeof nodeParseArgs>;
  try {
    r = nodeParseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw flagError(e as Error, spec, args);
  }
  const values = r.values as Parsed['values'];
  for (const [name, v] of last) values[name] = v;
  return { values, positionals: r.positionals, rest };
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
