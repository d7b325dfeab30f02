// The options every command takes, anywhere before `--` (docs/cli.md, "Global options").
import { UsageError } from '../util/errors';

export interface Globals {
  root?: string;
  runRoot?: string;
  logLevel?: string;
  logFile?: string;
  debug: boolean;
}

/** The global flags that take a value. */
export const VALUED_GLOBALS: Record<string, keyof Globals> = {
  '--root': 'root',
  '--run-root': 'runRoot',
  '--log-level': 'logLevel',
  '--log-file': 'logFile',
};

/** Takes global flags from anywhere before `--`; returns them and the remaining argv. */
export function splitGlobals(argv: string[]): { globals: Globals; rest: string[] } {
  const globals: Globals = { debug: false };
  const rest: string[] = [];
  const valued = VALUED_GLOBALS;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (flag in valued) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      (globals as unknown as Record<string, string>)[valued[flag]] = v;
    } else if (a === '--debug') {
      globals.debug = true;
    } else {
      rest.push(a);
    }
  }
  return { globals, rest };
}

