// podrun's watch annotation `watch.podrun.dev/CONTAINER: restart | exec COMMAND` (docs/cli/up.md,
// "Watch"), as validation checks it; plan/watch.ts turns it into what `--watch` watches.

export const WATCH_ANNOTATION_PREFIX = 'watch.podrun.dev/';

export type WatchAction = { kind: 'restart' } | { kind: 'exec'; command: string };

/** The action of an annotation value, or why it is not one. */
export function parseWatchAction(value: string): WatchAction | { error: string } {
  const v = value.trim();
  if (v === 'restart') return { kind: 'restart' };
  const m = /^exec\s+([\s\S]+)$/.exec(v);
  if (m && m[1].trim()) return { kind: 'exec', command: m[1].trim() };
  return { error: v.startsWith('exec') ? 'exec needs a command: `exec make build`' : `${JSON.stringify(value)} is not a watch action` };
}

