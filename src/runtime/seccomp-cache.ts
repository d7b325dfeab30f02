// Compiled seccomp programs, kept: libseccomp takes ~10 ms to compile the default profile, on
// every apply, for the same input every time. A program is kept under <root>/cache/seccomp by the
// hash of what made it: the profile's text, the capabilities, and the native build and
// libseccomp library that compiled it (so a rebuild or a library upgrade compiles again). A
// cached file that cannot be read or does not look like a program is compiled again; at most
// MAX_KEPT files stay (the oldest go). Only successful compilations are kept.
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'fs';
import { join } from 'path';
import { writeFileAtomic } from '../state/atomic';
import { native, nativeDirs, NATIVE_PROTOCOL, type PodrunNative } from '../util/native';
import type { Paths } from '../util/paths';

type Compile = PodrunNative['compileSeccomp'];
type Compiled = ReturnType<Compile>;

const MAX_KEPT = 64;

let identity: string | undefined;

/** What compiled the programs: the addon file and the libseccomp this process has mapped, by path, size and mtime. */
function compilerIdentity(): string {
  if (identity !== undefined) return identity;
  const files = [join(nativeDirs()[0], 'podrun_native.node')];
  try {
    for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
      const path = line.slice(line.indexOf('/'));
      if (line.includes('/') && /\/libseccomp[^/]*$/.test(path) && !files.includes(path)) files.push(path);
    }
  } catch {
    /* no /proc: the addon alone */
  }
  const stamp = (f: string) => {
    try {
      const st = statSync(f);
      return `${f}:${st.size}:${st.mtimeMs}`;
    } catch {
      return `${f}:-`;
    }
  };
  return (identity = [NATIVE_PROTOCOL, process.arch, ...files.map(stamp)].join('\n'));
}

export const seccompCacheDir = (paths: Pick<Paths, 'root'>) => join(paths.root, 'cache', 'seccomp');

function read(file: string): Compiled | undefined {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { program?: unknown; skipped?: unknown };
    if (typeof j.program !== 'string' || !Array.isArray(j.skipped) || !j.skipped.every((s) => typeof s === 'string')) return undefined;
    const program = Buffer.from(j.program, 'base64');
    // a sock_filter is 8 bytes; the kernel takes at most 4096 of them
    if (program.length === 0 || program.length % 8 !== 0 || program.length > 4096 * 8) return undefined;
    return { program, skipped: j.skipped as string[] };
  } catch {
    return undefined;
  }
}

function prune(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return;
  }
  if (names.length <= MAX_KEPT) return;
  const aged = names.map((n) => ({ n, t: statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 })).sort((a, b) => a.t - b.t);
  for (const { n } of aged.slice(0, names.length - MAX_KEPT))
    try {
      unlinkSync(join(dir, n));
    } catch {
      /* gone already */
    }
}

/** COMPILE, with its results kept under PATHS' root (keyed by the addon's SHA-256: a profile's text is KiBs, cold JavaScript hashes them in ms). */
export function cachedCompile(paths: Pick<Paths, 'root'>, compile: Compile, hash: (text: string) => string = (t) => native().sha256(t)): Compile {
  return (text, capabilities) => {
    const dir = seccompCacheDir(paths);
    const file = join(dir, `${hash(JSON.stringify([text, capabilities, compilerIdentity()]))}.json`);
    const kept = read(file);
    if (kept) return kept;
    const r = compile(text, capabilities);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(file, JSON.stringify({ program: Buffer.from(r.program).toString('base64'), skipped: r.skipped }), 0o600, { durable: false });
      prune(dir);
    } catch {
      /* not kept: compiled again next time */
    }
    return r;
  };
}
