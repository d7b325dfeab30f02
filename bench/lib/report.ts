// What every benchmark shares: medians and ratios, and writing its section of
// docs/performance.md between its own markers (`<!-- bench/NAME:start -->`).
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

export const REPO = join(__dirname, '..', '..', '..');

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const ms = (x: number) => `${x.toFixed(1)} ms`;
export const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');

/** Replaces (or appends) the section between bench/NAME's markers in docs/performance.md. */
export function writePerformanceSection(name: string, section: string): void {
  const file = join(REPO, 'docs', 'performance.md');
  const start = `<!-- bench/${name}:start -->`;
  const end = `<!-- bench/${name}:end -->`;
  const block = `${start}\n${section}\n${end}\n`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Performance\n';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length + 1);
  else text = text.replace(/\n*$/, '\n\n') + block;
  writeFileSync(file, text);
}
