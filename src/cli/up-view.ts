// What `podrun up` shows (pure: table-tested): the live status line while it waits for the pods
// to be ready, and the `pod/container | ` prefix of each log line, coloured on a terminal.

export interface PodProgress {
  name: string;
  readyCount: number;
  total: number;
  /** kubectl's STATUS column. */
  display: string;
}

/** `waiting for pod/web 1/2 Running, pod/db 0/1 ContainerCreating (12s)` (output.ts liveLine cuts it to the terminal). */
export function waitingLine(pods: PodProgress[], elapsedMs: number): string {
  return `waiting for ${pods.map((p) => `pod/${p.name} ${p.readyCount}/${p.total} ${p.display}`).join(', ')} (${Math.floor(elapsedMs / 1000)}s)`;
}

/** compose's palette order: cyan, yellow, green, magenta, blue, red (the bright ones after). */
const COLOURS = [36, 33, 32, 35, 34, 31, 96, 93, 92, 95, 94, 91];

/** The prefix of source I (in `up`'s order) named `pod/container`, padded to WIDTH; coloured or not. */
export function logPrefix(pod: string, container: string, width: number, i: number, colour: boolean): string {
  const name = `${pod}/${container}`.padEnd(width);
  return colour ? `\x1b[${COLOURS[i % COLOURS.length]}m${name} |\x1b[0m ` : `${name} | `;
}

/** Colour only on a terminal, and never with NO_COLOR set (no-color.org) or --no-color. */
export function useColour(isTty: boolean, env: NodeJS.ProcessEnv, noColourFlag: boolean): boolean {
  return isTty && !noColourFlag && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && env.TERM !== 'dumb';
}
