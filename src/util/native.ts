// The only file that loads the addon. Everything else takes a `PodrunNative` (or the narrower
// interface it needs) so unit tests can pass a fake, while integration tests run it for real.
import { existsSync } from 'fs';
import { join } from 'path';
import { PodrunError, SyscallError } from './errors';

export interface PodrunNative {
  mknod(path: string, mode: number, dev: number): void;
  makedev(major: number, minor: number): number;
  lsetxattr(path: string, name: string, value: Buffer): void;
  /** null when the attribute is absent (ENODATA). */
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  /** false when LOCK_NB was given and the lock is held elsewhere. */
  flock(fd: number, op: number): boolean;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  /** Replaces this process with `path` (environment kept); returns only by throwing. */
  execve(path: string, argv: string[]): never;
  /**
   * Starts a detached child (own session, stdio on /dev/null, default signals) whose fd 3 is the
   * write end of a pipe; returns its pid and the read end.
   */
  spawnDetached(path: string, argv: string[]): { pid: number; fd: number };
}

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

const addonRoot = join(__dirname, '..', '..', '..');
let loaded: PodrunNative | undefined;

/** Turns the addon's ErrnoException-shaped errors into SyscallError. */
function wrap<T extends object>(raw: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, fn] of Object.entries(raw)) {
    if (typeof fn !== 'function') continue;
    out[k] = (...args: unknown[]) => {
      try {
        return (fn as (...a: unknown[]) => unknown)(...args);
      } catch (e) {
        const err = e as { code?: string; errno?: number; syscall?: string; path?: string };
        if (err && typeof err.code === 'string' && typeof err.errno === 'number')
          throw new SyscallError(err.code, err.errno, err.syscall ?? k, err.path);
        throw e;
      }
    };
  }
  return out as T;
}

export function native(): PodrunNative {
  if (!loaded) {
    try {
      // A local build is the common case: load it directly and skip node-gyp-build's directory
      // scan (a few ms on every `exec`); prebuilds are found by node-gyp-build.
      const local = join(addonRoot, 'build', 'Release', 'podrun_native.node');
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const raw = existsSync(local) ? require(local) : (require('node-gyp-build') as (dir: string) => unknown)(addonRoot);
      loaded = wrap(raw as PodrunNative);
    } catch (e) {
      throw new PodrunError(
        `failed to load podrun_native.node, checked: build/Release, prebuilds/${process.platform}-${process.arch} (${(e as Error).message})`,
        'run `npm ci` (or `npm run build:native`) in the podrun folder to build the native addon',
      );
    }
  }
  return loaded;
}

/** Path of the podrun-helper executable (monitor, pause, exec), built beside the addon. */
export function helperPath(): string {
  const candidates = [
    join(addonRoot, 'build', 'Release', 'podrun-helper'),
    join(addonRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'podrun-helper'),
  ];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new PodrunError(
    `podrun-helper not found, checked: ${candidates.join(', ')}`,
    'run `npm ci` (or `npm run build:native`) in the podrun folder to build it',
  );
}
