// What a container inherits from its image config: argv, env, stop signal (the USER: users.ts).
import { parseSignal, signalName } from '../manifest/signals';

/** Kubernetes: command replaces Entrypoint (and drops Cmd); args replaces Cmd. */
export function mergeArgv(command: string[] | undefined, args: string[] | undefined, entrypoint: string[] | null | undefined, cmd: string[] | null | undefined): string[] {
  const hasCommand = !!command && command.length > 0;
  const hasArgs = !!args && args.length > 0;
  const head = hasCommand ? command! : (entrypoint ?? []);
  const tail = hasArgs ? args! : hasCommand ? [] : (cmd ?? []);
  return [...head, ...tail];
}

/** `NAME=value` entries of an image's Env, split at the first `=`. */
export function parseImageEnv(env: string[] | undefined): { name: string; value: string }[] {
  return (env ?? []).map((e) => {
    const eq = e.indexOf('=');
    return eq < 0 ? { name: e, value: '' } : { name: e.slice(0, eq), value: e.slice(eq + 1) };
  });
}

/** An image's StopSignal (`SIGTERM`, `TERM`, `15`, `sigquit`, `RTMIN+1`) -> its `SIGTERM`-style name; unknown -> SIGTERM. */
export function normaliseSignal(sig: string | undefined): string {
  const n = sig ? parseSignal(sig) : undefined;
  return (n !== undefined ? signalName(n) : undefined) ?? 'SIGTERM';
}
