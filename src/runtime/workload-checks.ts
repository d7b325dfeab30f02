// What the API server refuses to change on a workload once it exists (pkg/apis/apps/validation,
// batch/validation): a workload's selector, a StatefulSet's claim templates, serviceName and
// podManagementPolicy, a Job's template, completions and completionMode. apply checks the files'
// workloads before it changes anything (checkImmutable), and each apply of one again under its lock.
import { canonicalJson } from '../util/canonical-json';
import { PodrunError } from '../util/errors';
import type { Paths } from '../util/paths';
import type { LoadedWorkload } from '../manifest/load';
import type { JobSpec, StatefulSetSpec, WorkloadManifest } from '../manifest/workload-schema';
import { readWorkload } from '../state/workloads';

/**
 * apply's check before it changes anything (objects, pods, workloads): a workload of the files
 * whose immutable fields changed is refused then (without --force), so that a Service beside it
 * is not changed either.
 */
export function checkImmutable(paths: Paths, loaded: LoadedWorkload[], force: boolean): void {
  if (force) return;
  for (const { workload: w } of loaded) {
    const before = readWorkload(paths, w.kind, w.metadata.namespace, w.metadata.name);
    const frozen = before && immutableChange(before.manifest, w);
    if (frozen) throw immutableError(w, frozen);
  }
}

export function immutableError(w: WorkloadManifest, what: string): PodrunError {
  const name = w.metadata.name;
  if (w.kind === 'Job') return new PodrunError(`The Job "${name}" is invalid: spec.template: field is immutable (so are completions and completionMode)`, `delete it first (\`podrun delete job ${name}\`: its pods go with it), or apply with --force, which does that`);
  return new PodrunError(
    `The ${w.kind} "${name}" is invalid: spec: Forbidden: ${what} cannot change once the ${w.kind} exists`,
    `delete it first (\`podrun delete ${w.kind.toLowerCase()} ${name}\`${w.kind === 'StatefulSet' ? ': its claims stay' : ''}), or apply with --force, which re-creates its pods`,
  );
}

/** The API server's immutable fields of a workload that differ between A and B, in words; undefined when none. */
export function immutableChange(a: WorkloadManifest, b: WorkloadManifest): string | undefined {
  if (a.kind === 'Job') {
    const x = a.spec as JobSpec;
    const y = b.spec as JobSpec;
    const same = canonicalJson({ t: x.template, c: x.completions, m: x.completionMode, s: x.selector }) === canonicalJson({ t: y.template, c: y.completions, m: y.completionMode, s: y.selector });
    return same ? undefined : 'spec.template';
  }
  const changed: string[] = [];
  if (canonicalJson(a.spec.selector) !== canonicalJson(b.spec.selector)) changed.push('spec.selector');
  if (a.kind === 'StatefulSet') {
    const x = a.spec as StatefulSetSpec;
    const y = b.spec as StatefulSetSpec;
    if (canonicalJson(a.claimTemplates) !== canonicalJson(b.claimTemplates)) changed.push('spec.volumeClaimTemplates');
    if (x.serviceName !== y.serviceName) changed.push('spec.serviceName');
    if (x.podManagementPolicy !== y.podManagementPolicy) changed.push('spec.podManagementPolicy');
  }
  return changed.length ? changed.join(', ') : undefined;
}

