// AppArmor on this host: whether the kernel has it (the facts the planner decides from), and
// loading podrun's own profile when a plan needs it and the kernel does not have it yet. The
// checks are runc's (libcontainer/apparmor isEnabled: securityfs' apparmor dir and the module's
// `enabled` parameter), the list of loaded profiles is the one the kubelet and moby read
// (/sys/kernel/security/apparmor/profiles: `NAME (MODE)` per line), and the load is podman's and
// moby's: `apparmor_parser -Kr` (replace, and write no cache: /etc may be read-only) with the
// profile on stdin (docs/security.md, "AppArmor").
import { everyContainer } from '../plan/containers';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'fs';
import { spawnSync } from 'child_process';
import { delimiter, join } from 'path';
import type { LoadedPod } from '../manifest/load';
import { effectiveAppArmor } from '../manifest/apparmor';
import { APPARMOR_DEFAULT_PROFILE, renderAppArmorDefault, type AppArmorIncludes } from '../plan/apparmor-default';
import type { HostAppArmor, PodPlan } from '../plan/types';
import { ManifestErrors, PlanError } from '../util/errors';

const SECURITYFS = '/sys/kernel/security';
export const APPARMOR_PROFILES_FILE = `${SECURITYFS}/apparmor/profiles`;
const PROFILE_DIR = '/etc/apparmor.d';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `NAME (MODE)` lines -> name -> mode (a name may hold spaces: the mode is the last part). */
export function parseLoadedProfiles(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const line of text.split('\n')) {
    const m = /^(.+) \(([^()]*)\)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** apparmor_parser: /sbin first (often not in root's PATH under sudo), then /usr/sbin, then PATH. */
export function findAppArmorParser(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = ['/sbin', '/usr/sbin', ...(env.PATH ?? '').split(delimiter).filter((d) => d.startsWith('/'))];
  for (const d of dirs) {
    const p = join(d, 'apparmor_parser');
    try {
      if (statSync(p).isFile()) {
        accessSync(p, constants.X_OK);
        return p;
      }
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** What the planner needs to know of AppArmor here (read-only; dry runs too). */
export function hostAppArmor(): HostAppArmor {
  const enabled = read('/sys/module/apparmor/parameters/enabled')?.trim() === 'Y';
  const modules = read(`${SECURITYFS}/lsm`)?.trim();
  if (!enabled) return { enabled: false, why: 'kernel', ...(modules ? { securityModules: modules } : {}) };
  if (!existsSync(`${SECURITYFS}/apparmor`)) return { enabled: false, why: 'securityfs' };
  const parser = findAppArmorParser();
  return { enabled: true, loaded: parseLoadedProfiles(read(APPARMOR_PROFILES_FILE) ?? ''), ...(parser ? { parser } : {}) };
}

/** The includes /etc/apparmor.d has, each used when there (as moby and podman decide them). */
export function hostIncludes(dir = PROFILE_DIR): AppArmorIncludes {
  return { abi3: existsSync(join(dir, 'abi', '3.0')), tunables: existsSync(join(dir, 'tunables', 'global')), base: existsSync(join(dir, 'abstractions', 'base')) };
}

/** How long apparmor_parser may take to compile podrun's profile (~0.1 s usually). */
const PARSER_TIMEOUT_MS = 60_000;

/** Where loadAppArmorProfiles looks; tests give their own. */
export interface AppArmorLoadOptions {
  /** apparmor_parser; null: not installed. Default: findAppArmorParser(). */
  parser?: string | null;
  /** The profiles loaded now. Default: read from securityfs. */
  loaded?: Record<string, string>;
  /** Where the includes are looked for (default /etc/apparmor.d). */
  includesDir?: string;
}

/**
 * Loads podrun's profile when a container of the plan runs under it and the kernel does not have
 * it yet (another pod's apply may have loaded it; loading twice replaces it with the same).
 * Apply calls it before it touches an old pod: a failure is an error naming each container's
 * field (or the container, when the profile is podrun's default), and changes nothing.
 */
export function loadAppArmorProfiles(pod: LoadedPod, plan: PodPlan, opts: AppArmorLoadOptions = {}): void {
  const users = everyContainer(plan).filter(({ c }) => c.security.appArmor?.profile === APPARMOR_DEFAULT_PROFILE);
  if (!users.length) return;
  const loaded = opts.loaded ?? parseLoadedProfiles(read(APPARMOR_PROFILES_FILE) ?? '');
  if (Object.prototype.hasOwnProperty.call(loaded, APPARMOR_DEFAULT_PROFILE)) return;
  const parser = opts.parser === undefined ? findAppArmorParser() : (opts.parser ?? undefined);
  const problem = loadDefaultProfile(parser, hostIncludes(opts.includesDir));
  if (!problem) return;
  const seen = new Set<string>();
  const errors: PlanError[] = [];
  for (const { c, list, index } of users) {
    const eff = effectiveAppArmor(pod.manifest, index, list);
    const path = eff ? (eff.from === 'annotation' ? eff.path : [...eff.path, 'type']) : ['spec', list, index, 'securityContext', 'appArmorProfile'];
    const key = JSON.stringify(path);
    if (seen.has(key)) continue;
    seen.add(key);
    const what = eff
      ? `podrun's AppArmor profile ${APPARMOR_DEFAULT_PROFILE} (RuntimeDefault)`
      : `container ${c.name} names no AppArmor profile, so it gets podrun's ${APPARMOR_DEFAULT_PROFILE} (RuntimeDefault, as with containerd and podman), and that`;
    errors.push(
      new PlanError(pod.file, path, `${what} could not be loaded: ${problem}`, 'fix what apparmor_parser says, or set `securityContext.appArmorProfile: {type: Unconfined}` to run without AppArmor', pod.lineOf?.(path) ?? pod.line),
    );
  }
  throw new ManifestErrors(errors);
}

/** Runs `PARSER -Kr` on podrun's profile; the problem as one line, or undefined. */
function loadDefaultProfile(parser: string | undefined, includes: AppArmorIncludes): string | undefined {
  if (!parser) return 'apparmor_parser is not installed (Debian: `apt-get install apparmor`)';
  const r = spawnSync(parser, ['-Kr'], { input: renderAppArmorDefault(includes), encoding: 'utf8', timeout: PARSER_TIMEOUT_MS, stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error) return `${parser}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`;
  if (r.status === 0) return undefined;
  const said = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(0, 4).join('; ');
  return `${parser} -Kr ${r.status === null ? `was killed (${r.signal})` : `exited with ${r.status}`}${said ? `: ${said}` : ''}`;
}
