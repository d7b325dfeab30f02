// A relative hostPath (a podrun extension, docs/manifests.md) means the directory it named when
// the pod was applied. Two places need that meaning rather than the text: the manifest hash (the
// same file applied from another folder binds another directory, so it is a change; an export
// re-applied from anywhere is not) and `get -o yaml|json` (an export re-applied from another
// folder must bind the same directory, not make a new one there). The export writes the absolute
// path and records what the file said in an annotation, which the hash leaves out.
import { isAbsolute, normalize, resolve } from 'path';
import type { PodManifest } from '../manifest/load';
import type { PodPlan } from './types';
import { HOSTPATH_BASE_ANNOTATION } from '../manifest/hostpath-base';

/** The absolute host path a hostPath volume names: relative paths resolve against the manifest's folder. */
export function hostPathSource(path: string, manifestDir: string): string {
  const abs = isAbsolute(path) ? normalize(path) : resolve(manifestDir, path);
  return abs.length > 1 ? abs.replace(/\/+$/, '') : abs;
}

/** `{"VOLUME": "PATH AS WRITTEN"}` for the relative hostPaths of an exported pod. */
export const HOSTPATH_WRITTEN_ANNOTATION = 'podrun.dev/hostpath-written';

/** The manifest with relative hostPath paths made absolute by ABSOLUTE; `written` holds what they were. Unchanged (the same object) when none is relative. */
function withAbsoluteHostPaths(m: PodManifest, absolute: (path: string, volume: string) => string | undefined): { manifest: PodManifest; written: Record<string, string> } {
  const written: Record<string, string> = {};
  const volumes = m.spec.volumes?.map((v) => {
    const abs = v.hostPath && !isAbsolute(v.hostPath.path) ? absolute(v.hostPath.path, v.name) : undefined;
    if (!v.hostPath || abs === undefined) return v;
    written[v.name] = v.hostPath.path;
    return { ...v, hostPath: { ...v.hostPath, path: abs } };
  });
  if (!Object.keys(written).length) return { manifest: m, written };
  return { manifest: { ...m, spec: { ...m.spec, volumes } }, written };
}

/** What the manifest hash is taken of: hostPaths as the directories they name, without podrun's record of how they were written. */
export function hashedManifest(m: PodManifest, manifestDir: string): PodManifest {
  const { manifest } = withAbsoluteHostPaths(m, (p) => hostPathSource(p, manifestDir));
  const annotations = manifest.metadata.annotations;
  if (!annotations) return manifest;
  // the base's effect is in the absolute paths above
  const { [HOSTPATH_WRITTEN_ANNOTATION]: _written, [HOSTPATH_BASE_ANNOTATION]: _base, ...rest } = annotations;
  const left = Object.keys(rest).length;
  if (left && left === Object.keys(annotations).length) return manifest;
  // Without podrun's record, an export's annotations are those of the file it came from; an
  // empty map there and none at all cannot be told apart in the export, so both hash as none.
  return { ...manifest, metadata: { ...manifest.metadata, annotations: left ? rest : undefined } };
}

/** The directories a planned pod binds for its hostPath volumes, by volume name. */
export function hostPathSources(plan: Pick<PodPlan, 'volumes'>): Map<string, string> {
  return new Map(plan.volumes.filter((v) => v.kind === 'hostPath').map((v) => [v.name, v.source]));
}

/** The manifest of a planned pod as a re-apply compares it: hostPaths as the directories bound, without the export's annotation (the same for the file, its export and a record re-created from it). */
export function comparableManifest(m: PodManifest, plan: Pick<PodPlan, 'volumes'>): PodManifest {
  return hashedManifest(exportedManifest(m, hostPathSources(plan)), '/');
}

/** The manifest `get -o yaml|json` prints: hostPaths as the directories the pod binds (SOURCES: the plan's, by volume), and the annotation saying what the applied file had written. */
export function exportedManifest(m: PodManifest, sources: ReadonlyMap<string, string>): PodManifest {
  const { manifest, written } = withAbsoluteHostPaths(m, (_p, volume) => sources.get(volume));
  if (!Object.keys(written).length) return manifest;
  // every relative path is absolute now: the base they started from has done its work
  const { [HOSTPATH_BASE_ANNOTATION]: _base, ...kept } = manifest.metadata.annotations ?? {};
  return { ...manifest, metadata: { ...manifest.metadata, annotations: { ...kept, [HOSTPATH_WRITTEN_ANNOTATION]: JSON.stringify(written) } } };
}
