// The only file that loads the addon. Everything else takes a `PodrunNative` (or the narrower
// interface it needs) so unit tests can pass a fake, while integration tests run it for real.
// The addon and podrun-helper are one build (node-gyp makes both); its protocol version must be
// the one this code speaks, so a stale build/Release is refused instead of misbehaving.
import { existsSync } from 'fs';
import { join } from 'path';
import { PodrunError, SyscallError } from './errors';
import { errnoName } from './errno';
import { installRoot } from './paths';

/** The native contract this code speaks: `PODRUN_PROTOCOL` in addon/src/protocol.h. */
export const NATIVE_PROTOCOL = 10;

/** Where the native build lives: build/Release from source, else the prebuilds. */
export function nativeDirs(): string[] {
  const root = installRoot();
  return [join(root, 'build', 'Release'), join(root, 'prebuilds', `${process.platform}-${process.arch}`)];
}

/** The error for a native build that speaks another protocol version than this code. */
export function staleBuildError(what: string, found: number | string): PodrunError {
  return new PodrunError(
    `${what} speaks native protocol ${found}, this podrun expects ${NATIVE_PROTOCOL}: the native build is stale`,
    'rebuild it: `npm run build:native` (or `npm ci`) in the podrun folder',
  );
}

export interface PodrunNative {
  /** PODRUN_PROTOCOL of the build. */
  readonly protocolVersion: number;
  /** Lower-case hex SHA-256 of a string's UTF-8 bytes or of a Buffer (for large inputs: util/sha256 is faster for a few hundred bytes, without the addon). */
  sha256(data: string | Buffer): string;
  mknod(path: string, mode: number, dev: number): void;
  makedev(major: number, minor: number): number;
  /** A tmpfs of at most SIZEBYTES (nosuid, nodev, noexec, root mode 0755) mounted on DIR; `remount`: resizes the one there. */
  mountTmpfs(dir: string, sizeBytes: number, remount?: boolean): void;
  /** Image layer dirs (top first, at least two) as a read-only overlay on DIR (nosuid, nodev, noexec). */
  mountLayers(dir: string, layers: string[]): void;
  /** Lazily unmounts DIR; false when nothing was mounted there. */
  unmount(dir: string): boolean;
  /** A TCP connection to HOST:PORT made in the network namespace of NSFD (an ns file or a pidfd; -1: this one's): the connected fd. */
  connectInNetns(nsFd: number, host: string, port: number, timeoutMs: number): Promise<number>;
  /** Bind-mounts the network namespace of PID on TARGET, a file it creates (O_EXCL). */
  pinNetns(pid: number, target: string): void;
  lsetxattr(path: string, name: string, value: Buffer): void;
  /** null when the attribute is absent (ENODATA). */
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  /** The same on an open fd (not O_PATH): the attributes of exactly the object opened. */
  fgetxattr(fd: number, name: string): Buffer | null;
  flistxattr(fd: number): string[];
  /** The target of the symlink an O_PATH|O_NOFOLLOW fd names (readlinkat(fd, "")). */
  readlinkFd(fd: number): string;
  /**
   * DirectoryOrCreate (`isFile` false) or FileOrCreate of the absolute `path`: from its nearest
   * existing ancestor, opened once (symlinks followed, never /proc magic links) and checked on
   * that fd (its real path plus what is to be made against `denied`, kernel filesystems refused),
   * each missing component made relative to the open directory without following a symlink
   * (0755 directories, a 0644 file). null when the path exists; else what was made, for
   * removeCreatedHostPath. A failure leaves nothing made; its `step` is `hostpath-create`, its
   * `syscall` `hostpath` (EACCES, denied; `path` the path that would be made), `hostpath-fs`
   * (EACCES, a kernel filesystem; `path` the ancestor), `openat` (ELOOP: a symlink where a
   * component is to be made; ENOENT: FileOrCreate's directory is missing) or the call that failed.
   */
  createHostPath(path: string, isFile: boolean, denied: string[]): CreatedHostPath | null;
  /** Undoes createHostPath, newest first, each only while it is the object made and still empty; the number removed. */
  removeCreatedHostPath(created: CreatedHostPath, isFile: boolean): number;
  /** false when LOCK_NB was given and the lock is held elsewhere. */
  flock(fd: number, op: number): boolean;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  /** Replaces this process with `path` (environment kept); returns only by throwing. */
  execve(path: string, argv: string[]): never;
  /**
   * Starts a detached child (own session, stdio on /dev/null, default signals) whose fd 3 is the
   * write end of a pipe, and `keepFd` (if given) its fd 4: the same open file description, so an
   * flock on it is held by both. Returns the child's pid and the pipe's read end.
   */
  spawnDetached(path: string, argv: string[], keepFd?: number): { pid: number; fd: number };
  /**
   * A seccomp profile (Docker/OCI JSON) compiled with libseccomp for a capability bounding set
   * (kernel names): the BPF program podrun-helper installs, and the syscall names libseccomp did
   * not know (skipped). A bad profile throws a TypeError whose `field` is the JSON path.
   */
  compileSeccomp(profile: string, capabilities: string[]): { program: Buffer; skipped: string[] };
  /**
   * Tests only: the supervision state machine (addon/src/supervise.c) built from `configJson`
   * and fed `events` in order; per event, the actions it emitted, its next deadline (-1: none)
   * and a snapshot of the status (docs/supervision.md). test/helpers/supervise.ts drives it.
   */
  superviseRun(configJson: string, events: object[]): SuperviseStep[];
  /** Tests only: the bytes the monitor's gRPC health client sends (addon/src/grpc_health.c); null: too long. */
  grpcHealthRequest(authority: string, service: string, userAgent: string): Buffer | null;
  /** Tests only: the client's reading of a server's bytes, fed chunk by chunk. */
  grpcHealthDecode(chunks: Buffer[]): { result: 'more' | 'serving' | 'not_serving' | 'rpc_error' | 'protocol'; status: string | null; grpcStatus: number | null; why: string | null; replies: Buffer; output: string | null };
  /**
   * Tests only: a TLS client of an HTTPS probe (addon/src/tls_client.c) for `host` (SNI unless an
   * IP address), seeded with `seed`; throws with the client's message if it cannot start.
   */
  tlsClientNew(host: string | null, seed: Buffer): TlsClientHandle;
  /** Tests only: one turn of the loop around it: feed `input` (or the end, `eof`), write `plaintext` once open. */
  tlsClientStep(client: TlsClientHandle, input: Buffer | null, eof: boolean, plaintext: Buffer | null): TlsClientStepResult;
  /** Tests only: the bytes one client holds. */
  tlsClientSize(): number;
}

/** An opaque native TLS client (tests only). */
export type TlsClientHandle = { readonly __tlsClient: unique symbol };

/** What one tlsClientStep moved and where the connection stands (addon/src/tls_client_binding.cc). */
export interface TlsClientStepResult {
  took: number;
  wrote: number;
  out: Buffer;
  plain: Buffer;
  state: 'handshake' | 'open' | 'closed' | 'failed';
  error: string | null;
  cleanly: boolean;
  /** The server answered in plain HTTP (a lifecycle hook retries with http). */
  gotHttp: boolean;
  wantsSend: boolean;
  wantsRecv: boolean;
}

/** One event's outcome in superviseRun (shapes in addon/src/supervise_binding.cc). */
export interface SuperviseStep {
  actions: Array<Record<string, string | number | boolean> & { type: string }>;
  nextDeadline: number;
  status: {
    pod: {
      phase: string;
      begun: boolean;
      stopping: boolean;
      deleting: boolean;
      done: boolean;
      conditions: Record<string, { status: 'True' | 'False'; reason: string; lastTransitionMs: number; listed: string[] }>;
    };
    containers: Record<string, SuperviseContainerStatus>;
  };
}

export interface SuperviseTermination {
  exitCode: number;
  signal: number;
  oom: boolean;
  reason: string;
  startedAt: number | null;
  finishedAt: number;
  instance: number;
}

export interface SuperviseContainerStatus {
  state: 'waiting' | 'running' | 'terminated';
  reason?: string;
  backoffMs?: number;
  startedAt?: number;
  terminated?: SuperviseTermination;
  lastState: SuperviseTermination | null;
  restartCount: number;
  started: boolean;
  ready: boolean;
}

/** What createHostPath made: opaque to TypeScript, handed back to removeCreatedHostPath. */
export interface CreatedHostPath {
  /** The real path of the nearest existing ancestor, and its (st_dev:st_ino). */
  readonly top: string;
  readonly topId: string;
  /** The components made below it, `a/b/c`. */
  readonly rest: string;
  /** Of each component reached: its id, and whether this call made it. */
  readonly ids: readonly string[];
  readonly made: readonly boolean[];
}

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

let loaded: PodrunNative | undefined;

/** Turns the addon's {errno, syscall, path} errors into SyscallError. */
function wrap<T extends object>(raw: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, fn] of Object.entries(raw)) {
    if (typeof fn !== 'function') {
      out[k] = fn;
      continue;
    }
    out[k] = (...args: unknown[]) => {
      try {
        return (fn as (...a: unknown[]) => unknown)(...args);
      } catch (e) {
        const err = e as { errno?: number; syscall?: string; path?: string; step?: string };
        if (err && typeof err.errno === 'number') throw new SyscallError(errnoName(err.errno), err.errno, err.syscall ?? k, err.path, err.step);
        throw e;
      }
    };
  }
  return out as T;
}

export function native(): PodrunNative {
  if (!loaded) {
    let raw: PodrunNative;
    try {
      // A local build is the common case: load it directly and skip node-gyp-build's directory
      // scan (a few ms on every `exec`); prebuilds are found by node-gyp-build.
      const local = join(nativeDirs()[0], 'podrun_native.node');
      raw = (existsSync(local) ? require(local) : (require('node-gyp-build') as (dir: string) => unknown)(installRoot())) as PodrunNative;
    } catch (e) {
      throw new PodrunError(
        `failed to load podrun_native.node, checked: build/Release, prebuilds/${process.platform}-${process.arch} (${(e as Error).message})`,
        'run `npm ci` (or `npm run build:native`) in the podrun folder to build the native addon',
      );
    }
    // A build from before versioning has no protocolVersion: it is protocol 1.
    if (raw.protocolVersion !== NATIVE_PROTOCOL) throw staleBuildError('podrun_native.node', raw.protocolVersion ?? 1);
    loaded = wrap(raw);
    const execve = loaded.execve;
    // The process is replaced: tell whoever must finish first (dist/src/cli/start.js writes its
    // code cache), since no 'exit' event will come.
    loaded = {
      ...loaded,
      execve: (path: string, argv: string[]) => {
        process.emit('podrun-execve' as 'exit', 0);
        return execve(path, argv);
      },
    };
  }
  return loaded;
}
