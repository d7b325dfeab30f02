import type { Paths } from '../util/paths';

/** What every verb gets from the CLI entry point. */
export interface CliContext {
  paths: Paths;
  debug: boolean;
  /** Results go here (stdout); logs go to winston (stderr). */
  out: (text: string) => void;
}

export type Verb = (argv: string[], ctx: CliContext) => Promise<number>;
