// Small static C programs the tests build with gcc and run inside containers (or beside them):
// an attacker's tools, which busybox does not have. Built once per test run into a temp dir.
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const SOURCES = resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'c');
let dir: string | undefined;

/** Whether gcc can build static programs here (CI installs build-essential). */
export function haveCompiler(): boolean {
  return spawnSync('gcc', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** The path of test/fixtures/c/NAME.c built as a static binary (cached for the run). */
export function staticProgram(name: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'podrun-cprog-'));
  const out = join(dir, name);
  if (!existsSync(out)) {
    const r = spawnSync('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', out, join(SOURCES, `${name}.c`)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`gcc ${name}.c failed: ${r.stderr}`);
  }
  return out;
}

process.on('exit', () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
