// Where podrun keeps things. Lasting state (images, pod uppers, logs, exit records) lives under
// the root (/var/lib/podrun); live state (locks, sockets) under the run root (/run/podrun), which
// a reboot empties. PODRUN_ROOT / --root move both, so tests get a private store.
import { existsSync } from 'fs';
import { dirname, join, resolve } from 'path';

export interface Paths {
  root: string;
  runRoot: string;
  /**
   * The host-wide user namespace registry's dir (state/userns.ts): one for every root on the
   * machine, /run/podrun/userns unless PODRUN_USERNS_DIR moves it (tests that must not share it).
   */
  usernsDir?: string;
}

export const DEFAULT_USERNS_DIR = '/run/podrun/userns';
/** Where the user namespace ranges of every root's pods are registered (docs/security.md). */
export const usernsHostDir = (p: Paths) => p.usernsDir ?? DEFAULT_USERNS_DIR;

export function resolvePaths(opts: { root?: string; runRoot?: string } = {}): Paths {
  // Absolute and normal: two spellings of one root (`/tmp//x`, `./x`) must name the same pods,
  // cgroups (their tag hashes the root) and mounts (the leftovers sweep looks for these paths).
  const root = resolve(opts.root || process.env.PODRUN_ROOT || '/var/lib/podrun');
  const explicitRoot = Boolean(opts.root || process.env.PODRUN_ROOT);
  const runRoot = resolve(opts.runRoot || process.env.PODRUN_RUNROOT || (explicitRoot ? join(root, 'run') : '/run/podrun'));
  const usernsDir = process.env.PODRUN_USERNS_DIR;
  return { root, runRoot, ...(usernsDir ? { usernsDir: resolve(usernsDir) } : {}) };
}

/** Where `seccompProfile: {type: Localhost}` profiles live (the kubelet's is <root-dir>/seccomp). */
export const seccompProfileDir = (p: Paths) => join(p.root, 'seccomp');
/** Directory of the image store. */
export const imagesDir = (p: Paths) => join(p.root, 'images');
/** Lasting directory of one pod: spec, uppers, emptyDirs, logs, exit records. */
export const lastingPodDir = (p: Paths, key: string) => join(p.root, 'pods', key);
/** Live directory of one pod: lock and monitor pid. */
export const livePodDir = (p: Paths, key: string) => join(p.runRoot, 'pods', key);
/**
 * `namespace_name` for an object's file or directory, or `namespace_h<sha256 of the name>` for a
 * long name: an object's name may have 253 characters, and a file name (with the atomic write's
 * temporary suffix) at most 255 bytes.
 */
export function objectKey(namespace: string, name: string): string {
  const key = podKey(namespace, name);
  // (sha256 loaded only here: every CLI start reads this module)
  return key.length <= 200 ? key : `${namespace}_h${(require('./sha256') as typeof import('./sha256')).sha256Hex(name).slice(0, 40)}`;
}
/** A PersistentVolumeClaim's directory: made by the first pod that mounts it, removed by `delete pvc`. */
export const claimDir = (p: Paths, namespace: string, name: string) => join(p.root, 'claims', objectKey(namespace, name));
/** `namespace_name`: unique because both parts are DNS labels without `_`. */
export const podKey = (namespace: string, name: string) => `${namespace}_${name}`;

let root: string | undefined;
/**
 * The podrun checkout or package this code runs from: the nearest folder above it with podrun's
 * package.json and binding.gyp. The same whether the code runs as tsc's output (dist/src/...)
 * or bundled (dist/podrun.js).
 */
export function installRoot(): string {
  if (root) return root;
  for (let d = __dirname; ; d = dirname(d)) {
    if (existsSync(join(d, 'binding.gyp')) && existsSync(join(d, 'package.json'))) return (root = d);
    if (dirname(d) === d) return (root = join(__dirname, '..', '..', '..'));
  }
}
