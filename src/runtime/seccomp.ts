// The pod's seccomp programs: every distinct (profile, capability set) in the plan compiled once
// per apply by the addon (libseccomp) and written to `<lasting>/seccomp/<sha256>.bpf`, the file
// the launch file and every exec name (runtime/helper seccompProgramFile). RuntimeDefault is
// podrun's own profile (plan/seccomp-default.ts) in the same JSON format as a Localhost profile,
// so both take this one path, as does the pause process's own (plan/seccomp-pause.ts). Compiling
// reads Localhost profiles and can fail, so apply does it before it touches an old pod, and writes
// the programs once the new pod's dir exists.
import { everyContainer } from '../plan/containers';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, realpathSync } from 'fs';
import { dirname, sep } from 'path';
import type { LoadedPod } from '../manifest/load';
import { RUNTIME_DEFAULT_PROFILE } from '../plan/seccomp-default';
import { PAUSE_SECCOMP_PROFILE } from '../plan/seccomp-pause';
import { seccompProfileField } from '../plan/security';
import type { PodPlan } from '../plan/types';
import { writeFileAtomic } from '../state/atomic';
import { logEnabled, log } from '../util/diagnostics';
import { ManifestErrors, PlanError, PodrunError, SyscallError, type ManifestError } from '../util/errors';
import type { PodrunNative } from '../util/native';
import { seccompProfileDir, type Paths } from '../util/paths';
import { pauseSeccompProgramFile, seccompProgramFile } from './helper';

/** A Localhost profile larger than this is refused unread (moby's default is ~20 KiB). */
export const MAX_PROFILE_BYTES = 1 << 20;

/** Compiled programs by the file each goes to. */
export type SeccompPrograms = Map<string, Buffer>;

type Compile = PodrunNative['compileSeccomp'];

const PROFILE_HINT = 'a profile is JSON in the Docker/OCI seccomp format (docs/security.md)';

/** A profile file's text, read without following it out of the profile dir; throws the problem as text. */
function readProfile(file: string, dir: string): string {
  let real: string;
  try {
    real = realpathSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PodrunError(`seccomp profile ${file} does not exist`, `put the profile in ${dir} (JSON in the Docker/OCI seccomp format, docs/security.md), or use type RuntimeDefault`);
    throw new PodrunError(`seccomp profile ${file} cannot be read: ${code}`, `check the file and ${dir}`);
  }
  let realDir = dir;
  try {
    realDir = realpathSync(dir);
  } catch {
    /* the file resolved, so its dir exists; keep the name as given */
  }
  if (!real.startsWith(realDir + sep)) throw new PodrunError(`seccomp profile ${file} leads to ${real}, outside ${dir}`, `keep the profile itself in ${dir}, not a symlink to it`);
  // O_NONBLOCK: a FIFO planted there must not hang apply; it is refused as not a regular file.
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    throw new PodrunError(`seccomp profile ${file} cannot be opened: ${(e as NodeJS.ErrnoException).code}`, `check the file and ${dir}`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new PodrunError(`seccomp profile ${file} is not a regular file`, PROFILE_HINT);
    // Bounded by what is read, not by what stat says.
    const buf = Buffer.alloc(MAX_PROFILE_BYTES + 1);
    let len = 0;
    for (let n; len < buf.length && (n = readSync(fd, buf, len, buf.length - len, null)) > 0; ) len += n;
    if (len > MAX_PROFILE_BYTES) throw new PodrunError(`seccomp profile ${file} is larger than ${MAX_PROFILE_BYTES >> 20} MiB`, PROFILE_HINT);
    return buf.toString('utf8', 0, len);
  } finally {
    closeSync(fd);
  }
}

/** The addon's complaint about a profile, as one line. */
function compileProblem(e: unknown): string {
  if (e instanceof SyscallError) return `libseccomp refused ${e.path ?? 'it'}: ${e.code}`;
  if (e instanceof TypeError && typeof (e as { field?: unknown }).field === 'string') return e.message;
  throw e;
}

/**
 * Every program the plan's containers need, compiled (nothing is written). A Localhost profile that
 * is missing, leads out of the profile dir, is too large or does not compile is an error naming the
 * manifest field it came from; all are reported at once.
 */
export function compileSeccompPrograms(paths: Paths, pod: LoadedPod, plan: PodPlan, compile: Compile): SeccompPrograms {
  const programs: SeccompPrograms = new Map();
  const texts = new Map<string, string>();
  const errors: ManifestError[] = [];
  const dir = seccompProfileDir(paths);
  everyContainer(plan).forEach(({ c, list, index }) => {
    const file = seccompProgramFile(plan.dirs.lasting, c.security);
    if (!file || programs.has(file)) return;
    const sc = c.security.seccomp;
    const where = sc.profile === 'Localhost' ? (sc.localhostProfile ?? '') : 'RuntimeDefault';
    const field = [...seccompProfileField(pod.manifest, index, list), ...(sc.profile === 'Localhost' ? ['localhostProfile'] : [])];
    try {
      let text = texts.get(where);
      if (text === undefined) texts.set(where, (text = sc.profile === 'Localhost' ? readProfile(where, dir) : JSON.stringify(RUNTIME_DEFAULT_PROFILE)));
      let r: ReturnType<Compile>;
      try {
        r = compile(text, c.security.capabilities);
      } catch (e) {
        if (sc.profile !== 'Localhost') throw e; // podrun's own profile: a bug, with its stack
        throw new PodrunError(`seccomp profile ${where}: ${compileProblem(e)}`, PROFILE_HINT);
      }
      // Names libseccomp does not know (newer syscalls, other architectures) are skipped, as runc does.
      if (r.skipped.length && logEnabled('debug')) log().debug(`seccomp profile ${where}: syscalls unknown to libseccomp, skipped: ${r.skipped.join(' ')}`);
      programs.set(file, r.program);
    } catch (e) {
      if (!(e instanceof PodrunError)) throw e;
      errors.push(new PlanError(pod.file, field, e.message, e.hint, pod.lineOf?.(field) ?? pod.line));
    }
  });
  if (errors.length) throw new ManifestErrors(errors);
  // The pause process's, whatever the containers run under (podrun's own profile: no user input).
  programs.set(pauseSeccompProgramFile(plan.dirs.lasting), compile(JSON.stringify(PAUSE_SECCOMP_PROFILE), []).program);
  return programs;
}

/** Writes the programs (inside the pod's lasting dir, which prepareDirs made and undo removes). */
export function writeSeccompPrograms(programs: SeccompPrograms): void {
  for (const [file, program] of programs) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Read by the monitor at once and by exec while the pod runs, which a machine crash ends: no fsync.
    writeFileAtomic(file, program, 0o600, { durable: false });
  }
}
