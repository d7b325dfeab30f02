// The one rendering layer of the CLI: how errors, tables, times and objects look. Verbs build
// data and hand it here; nothing else formats output.
import { ManifestErrors, PodrunError } from '../util/errors';
import type { CliContext } from './context';
import { writeErr } from './output';

/** `error: ...` and `  hint: ...` lines for an expected error (a manifest error list: each of them). */
export function renderError(e: PodrunError): string {
  // kubectl's `Error from server (NotFound): ...` is its own prefix: not `error: Error from server`
  const one = (x: PodrunError) => `${x.message.startsWith('Error from server') ? '' : 'error: '}${x.message}\n${x.hint ? `  hint: ${x.hint}\n` : ''}`;
  return e instanceof ManifestErrors ? e.errors.map(one).join('') : one(e);
}

/**
 * Runs `fn` for every item, as kubectl does with several names: a PodrunError for one item is
 * printed and the others go on; the exit code is the worst item's. Anything else is a bug and
 * propagates to the single catch in main.ts.
 */
export async function forEachItem<T>(items: readonly T[], fn: (item: T) => Promise<void> | void): Promise<number> {
  let code = 0;
  for (const item of items) {
    try {
      await fn(item);
    } catch (e) {
      if (!(e instanceof PodrunError)) throw e;
      writeErr(renderError(e));
      code = Math.max(code, e.exitCode);
    }
  }
  return code;
}

/** Left-aligned columns separated by three spaces, as kubectl's tabwriter and docker print them. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd() + '\n').join('');
}

export type ObjectFormat = 'json' | 'yaml';

/**
 * Prints Kubernetes-shaped objects: one object as itself, several (or any number when `list` is
 * set, as `get` without a name does) as a v1 List.
 */
export async function printObjects(ctx: CliContext, format: ObjectFormat, objects: unknown[], opts: { list?: boolean; indent?: number } = {}): Promise<void> {
  const value = objects.length === 1 && !opts.list ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } };
  if (format === 'json') ctx.out(JSON.stringify(value, null, opts.indent ?? 4) + '\n');
  else ctx.out((await import('js-yaml')).dump(value, { noRefs: true, lineWidth: -1 }));
}

/** kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (h < 24 * 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

/** kubectl's time format: `Sat, 28 Nov 2026 10:00:00 +0000`. */
export function kubeTime(iso: string | undefined): string {
  if (!iso) return '<unknown>';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toUTCString().replace('GMT', '+0000');
}
