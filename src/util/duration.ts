// Go's time.ParseDuration as kubectl's flags take it, without a sign (callers read that).
import { UsageError } from './errors';

/**
 * Go-style durations as kubectl takes them (logs --since, wait --timeout): `5s`, `2m`, `1h`, `1h30m`, `500ms`.
 * Returns milliseconds.
 */
export function parseDuration(s: string, flag = '--since'): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * unit[m[2]];
    pos = re.lastIndex;
  }
  if (!s || pos !== s.length)
    throw new UsageError(`${flag}: '${s}' is not a duration`, 'use a number with a unit: 30s, 5m, 1h, 1h30m');
  return total;
}
