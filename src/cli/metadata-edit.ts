// `podrun label` and `podrun annotate` (kubectl's): KEY=VALUE sets, KEY- removes, --overwrite
// allows changing a value already there. A pod's change goes through apply (its exported
// manifest with the new metadata), so it is what the dev loop does for a file's changed labels:
// in place, nothing restarted, the downward API files and the Services' endpoints brought up to
// date. A workload's or an object's is written to its record. The next `apply -f` of the file
// sets what the file says again (podrun applies a file whole; kubectl's three-way merge would keep
// a label the file never set).
import { UsageError } from '../util/errors';
import { workloadRef, isWorkloadKind, kindWord } from '../util/kinds';
import type { Paths } from '../util/paths';
import type { ResourceAddress } from './resources';

export type MetadataField = 'labels' | 'annotations';

export interface MetadataEdit {
  set: Record<string, string>;
  remove: string[];
}

/** The KEY=VALUE and KEY- words of the command line, checked as Kubernetes checks keys and values. */
export function parseEdits(words: string[], field: MetadataField): MetadataEdit {
  const { qualifiedName, labelValue } = require('../manifest/names') as typeof import('../manifest/names');
  const edit: MetadataEdit = { set: {}, remove: [] };
  for (const w of words) {
    const eq = w.indexOf('=');
    const key = eq >= 0 ? w.slice(0, eq) : w.endsWith('-') ? w.slice(0, -1) : undefined;
    if (key === undefined) throw new UsageError(`'${w}' is neither KEY=VALUE nor KEY-`, `e.g. app=web to set, app- to remove`);
    const bad = qualifiedName(key);
    if (bad) throw new UsageError(`${field === 'labels' ? 'label' : 'annotation'} ${bad.detail}`, bad.hint);
    if (eq < 0) {
      edit.remove.push(key);
      continue;
    }
    const value = w.slice(eq + 1);
    const badValue = field === 'labels' ? labelValue(value) : undefined;
    if (badValue) throw new UsageError(badValue.detail, badValue.hint);
    if (key in edit.set || edit.remove.includes(key)) throw new UsageError(`${key} is given twice`, 'give each key once');
    edit.set[key] = value;
  }
  for (const k of edit.remove) if (k in edit.set) throw new UsageError(`${k} is given twice`, 'give each key once');
  if (!Object.keys(edit.set).length && !edit.remove.length) throw new UsageError(`name at least one ${field === 'labels' ? 'label' : 'annotation'} to set (KEY=VALUE) or remove (KEY-)`);
  return edit;
}

/** The new map, or kubectl's error when a value would change without --overwrite. Pure. */
export function editedMap(before: Record<string, string> | undefined, edit: MetadataEdit, overwrite: boolean, field: MetadataField): Record<string, string> {
  const out = { ...before };
  for (const [k, v] of Object.entries(edit.set)) {
    if (!overwrite && k in out && out[k] !== v)
      throw new UsageError(
        field === 'labels' ? `'${k}' already has a value (${out[k]}), and --overwrite is false` : `--overwrite is false but found the following declared annotation(s): '${k}' already has a value (${out[k]})`,
        'add --overwrite to change it',
      );
    out[k] = v;
  }
  for (const k of edit.remove) delete out[k];
  return out;
}

const same = (a: Record<string, string> | undefined, b: Record<string, string>) => JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b).sort());

/** Edits one object's labels or annotations; returns kubectl's line (`pod/web labeled`, `... not labeled`). */
export async function editMetadata(paths: Paths, t: ResourceAddress, field: MetadataField, edit: MetadataEdit, overwrite: boolean, verb: 'labeled' | 'annotated'): Promise<string> {
  const what = isWorkloadKind(t.kind) ? workloadRef(t.kind, t.name) : `${kindWord(t.kind)}/${t.name}`;
  const unchanged = `${what} not ${verb}`;
  if (t.kind === 'Pod') {
    const { findPod } = await import('../state/pod-records');
    const rec = findPod(paths, t.namespace, t.name);
    const next = editedMap(rec.manifest.metadata[field], edit, overwrite, field);
    if (same(rec.manifest.metadata[field], next)) return unchanged;
    const { exportedManifest, hostPathSources } = await import('../plan/hostpath-export');
    const m = exportedManifest(rec.manifest, hostPathSources(rec.plan));
    const manifest = { ...m, metadata: { ...m.metadata, [field]: next } };
    const { applyPod } = await import('../runtime/apply');
    // in place or not at all: a pod that ended or lost its monitor is never made again for a label
    await applyPod(paths, { file: rec.sourceFile ?? '<stdin>', line: 1, manifest }, { inPlaceOnly: field });
    return `${what} ${verb}`;
  }
  if (isWorkloadKind(t.kind)) {
    const { lockWorkload, readWorkload, workloadNotFound, writeWorkload } = await import('../state/workloads');
    const release = lockWorkload(paths, t.kind, t.namespace, t.name);
    try {
      const r = readWorkload(paths, t.kind, t.namespace, t.name);
      if (!r) throw workloadNotFound(t.kind, t.namespace, t.name);
      const next = editedMap(r.metadata[field], edit, overwrite, field);
      if (same(r.metadata[field], next)) return unchanged;
      r.metadata = { ...r.metadata, [field]: next };
      r.manifest = { ...r.manifest, metadata: { ...r.manifest.metadata, [field]: next } };
      writeWorkload(paths, r);
      return `${what} ${verb}`;
    } finally {
      release();
    }
  }
  const { objectNotFound, readObject, withObjectsLockSync, writeObject } = await import('../state/objects');
  const kind = t.kind;
  return withObjectsLockSync(paths, () => {
    const o = readObject(paths, kind, t.namespace, t.name);
    if (!o) throw objectNotFound(kind, t.namespace, t.name);
    const next = editedMap(o.metadata[field], edit, overwrite, field);
    if (same(o.metadata[field], next)) return unchanged;
    writeObject(paths, { ...o, metadata: { ...o.metadata, [field]: next } } as unknown as import('../manifest/objects').ConfigObject, o);
    return `${what} ${verb}`;
  });
}
