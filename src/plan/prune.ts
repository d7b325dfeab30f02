// `apply --prune -f DIR|FILE` (docs/cli/apply.md): the pods podrun applied earlier from the same
// directory or file that the files no longer define. kubectl finds its set by a label
// (`--prune -l app=x`); podrun's records say where each pod came from (the absolute path apply
// was given), which needs no label in the files. Pure: table-tested.

export interface PrunableRecord {
  namespace: string;
  name: string;
  sourceFile?: string;
  /** Being deleted already: left to that delete. */
  deleting?: boolean;
}

/** An input of apply: its absolute path and whether it is a directory (its manifests, and with -R those below it). */
export interface PruneScope {
  abs: string;
  dir: boolean;
  recursive?: boolean;
}

const parentOf = (p: string) => p.slice(0, Math.max(1, p.lastIndexOf('/')));

/** Of RECORDS, those from a SCOPE whose `namespace/name` is not in KEEP, in the order given. */
export function pruneTargets<R extends PrunableRecord>(records: readonly R[], scopes: readonly PruneScope[], keep: ReadonlySet<string>): R[] {
  return records.filter((r) => {
    const src = r.sourceFile;
    if (!src || !src.startsWith('/') || r.deleting || keep.has(`${r.namespace}/${r.name}`)) return false;
    return scopes.some((s) => (s.dir ? parentOf(src) === s.abs || (s.recursive === true && src.startsWith(`${s.abs}/`)) : src === s.abs));
  });
}
