// `podrun.dev/hostpath-base: ..` (docs/manifests.md, "Relative hostPaths"): the folder relative
// hostPath paths resolve against, itself relative to the manifest's folder (or absolute). It is
// how a pod in `pods/` mounts the repository above it: Kubernetes refuses `..` in hostPath.path
// (validatePathNoBacksteps), an annotation it leaves alone. Checked by rules.ts, used by
// runtime/facts.ts; an export drops it (its paths are absolute by then).
import { resolve } from 'path';

export const HOSTPATH_BASE_ANNOTATION = 'podrun.dev/hostpath-base';

/** The folder the pod's relative hostPaths resolve against: the manifest's, moved by the annotation. */
export function hostPathBaseDir(manifestDir: string, annotations: Record<string, unknown> | undefined): string {
  const base = annotations?.[HOSTPATH_BASE_ANNOTATION];
  return typeof base === 'string' && base.trim() !== '' ? resolve(manifestDir, base) : manifestDir;
}

