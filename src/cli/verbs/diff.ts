// podrun diff -f FILE|DIR [-R] [-n NS]: what `apply` would change, as kubectl diff shows it: for
// each object of the files, what is stored now (LIVE) against what apply would store (MERGED),
// through `diff -u -N` (or $KUBECTL_EXTERNAL_DIFF), one pair of files per object named
// `apiVersion.Kind.namespace.name`. Exit 0: no difference, 1: some, above 1: an error (kubectl's).
// A Secret's values are masked (`***`, `*** (before)`/`*** (after)` where they differ).
import { spawn } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ManifestErrors, PodrunError, UsageError } from '../../util/errors';
import { parseArgs, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { writeErr } from '../output';
import { requireRoot } from '../root';
import { filenameOption, namespaceFrom, namespaceOptions, recursiveOption, validateModeOf, validateOption } from '../resources';

export const spec: VerbSpec = {
  name: 'diff',
  usage: 'podrun diff -f FILE|DIR|- [-f ...] [-R] [-n NAMESPACE]',
  description:
    "Show what apply would change: each object of the files as it is stored now against what apply would store, through diff -u (or $KUBECTL_EXTERNAL_DIFF), as kubectl diff does. Exit 0 when nothing would change, 1 when something would.",
  examples: [
    ['what apply -f pods/ would change', 'podrun diff -f pods/'],
    ['in a script: apply only when something changed', 'podrun diff -f pods/ > /dev/null || podrun apply -f pods/'],
  ],
  options: {
    ...validateOption,
    ...filenameOption('the manifests'),
    ...recursiveOption,
    ...namespaceOptions,
  },
};

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  try {
    return await diff(argv, ctx);
  } catch (e) {
    // exit 1 says "something would change": an error is never that (kubectl's: above 1)
    if (e instanceof PodrunError && e.exitCode === 1) e.exitCode = 2;
    throw e;
  }
}

async function diff(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs(argv, spec);
  requireRoot('diff', 'the state it compares with is root\'s');
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, `pass manifests with -f: ${spec.usage}`);
  const files = (values.filename as string[] | undefined) ?? [];
  if (!files.length) throw new UsageError('diff needs at least one -f FILE|DIR|-', `usage: ${spec.usage}`);
  const { loadManifests, formatManifestWarning } = await import('../../manifest/load');
  const loaded = await loadManifests(files, { ...(values.namespace !== undefined ? { namespace: namespaceFrom(values) } : {}), recursive: values.recursive === true, validate: validateModeOf(values) });
  for (const w of loaded.warnings) writeErr(formatManifestWarning(w) + '\n');
  if (loaded.errors.length) throw new ManifestErrors(loaded.errors);
  const pairs = await livePairs(ctx, loaded);
  const base = mkdtempSync(join(tmpdir(), 'podrun-diff-'));
  try {
    const live = join(base, 'LIVE');
    const merged = join(base, 'MERGED');
    mkdirSync(live);
    mkdirSync(merged);
    const { dump } = await import('js-yaml');
    const yaml = (v: unknown) => (v === undefined ? '' : dump(v, { noRefs: true, lineWidth: -1, sortKeys: true }));
    for (const p of pairs) {
      const [before, after] = p.secret ? maskSecrets(p.live, p.merged) : [p.live, p.merged];
      writeFileSync(join(live, p.name), yaml(before));
      writeFileSync(join(merged, p.name), yaml(after));
    }
    // kubectl's: $KUBECTL_EXTERNAL_DIFF (a program and its flags), else `diff -u -N`
    const external = process.env.KUBECTL_EXTERNAL_DIFF?.trim().split(/\s+/).filter(Boolean);
    const [cmd, ...args] = external?.length ? external : ['diff', '-u', '-N'];
    // Ctrl-C while the diff program runs: its files (masked Secrets too) go with us
    const gone = () => rmSync(base, { recursive: true, force: true });
    const onSignal = (sig: NodeJS.Signals) => {
      gone();
      process.kill(process.pid, sig);
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    const r = await new Promise<{ status: number | null; stdout: string; error?: Error }>((resolve) => {
      const child = spawn(cmd, [...args, 'LIVE', 'MERGED'], { stdio: ['ignore', 'pipe', 'inherit'], cwd: base });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.once('error', (error) => resolve({ status: null, stdout, error }));
      child.once('close', (status) => resolve({ status, stdout }));
    });
    process.removeListener('SIGINT', onSignal).removeListener('SIGTERM', onSignal);
    if (r.error) throw new PodrunError(`diff: cannot run ${cmd}: ${r.error.message}`, 'install diffutils, or set KUBECTL_EXTERNAL_DIFF to a diff program');
    ctx.out(r.stdout);
    return r.status === 0 ? 0 : r.status === 1 ? 1 : Math.max(2, r.status ?? 2);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

interface Pair {
  name: string;
  live: unknown;
  merged: unknown;
  secret?: boolean;
}

/** Each object of the files: what is stored now (undefined: nothing) and what apply would store. */
async function livePairs(ctx: CliContext, loaded: Awaited<ReturnType<typeof import('../../manifest/load').loadManifests>>): Promise<Pair[]> {
  const { readPodRecord } = await import('../../state/pod-records');
  const { nextRecord, readWorkload } = await import('../../state/workloads');
  const { listObjects, readObject } = await import('../../state/objects');
  const out: Pair[] = [];
  const fileName = (apiVersion: string, kind: string, ns: string, name: string) => `${apiVersion.replace('/', '.')}.${kind}.${ns}.${name}`;
  for (const o of loaded.objects) {
    const m = o.object;
    const stored = readObject(ctx.paths, m.kind, m.metadata.namespace, m.metadata.name);
    const live = stored && { ...stored, metadata: withoutServerFields(stored.metadata) };
    // a Service keeps the addresses it was given (clusterIP, nodePorts), as apply keeps them
    let merged: unknown = m;
    if (m.kind === 'Service' && stored) {
      const { allocateService, serviceSettings } = await import('../../runtime/network/service-alloc');
      const others = listObjects(ctx.paths, 'Service').filter((o) => !(o.metadata.namespace === m.metadata.namespace && o.metadata.name === m.metadata.name));
      type Svc = Parameters<typeof allocateService>[0];
      merged = allocateService(m as unknown as Svc, stored, others as unknown as Svc[], serviceSettings(ctx.paths).serviceCidr);
    }
    out.push({ name: fileName(m.apiVersion, m.kind, m.metadata.namespace, m.metadata.name), live, merged, secret: m.kind === 'Secret' });
  }
  for (const w of loaded.workloads) {
    const m = w.workload;
    const before = readWorkload(ctx.paths, m.kind, m.metadata.namespace, m.metadata.name);
    // what apply would store: a count `scale` set is kept when the file writes none
    const next = nextRecord(before, w).record.manifest;
    const shape = (x: typeof m) => ({ apiVersion: x.apiVersion, kind: x.kind, metadata: x.metadata, spec: x.spec });
    out.push({ name: fileName(m.apiVersion, m.kind, m.metadata.namespace, m.metadata.name), live: before && shape(before.manifest), merged: shape(next) });
  }
  for (const p of loaded.pods) {
    const m = p.manifest;
    const rec = readPodRecord(ctx.paths, `${m.metadata.namespace}_${m.metadata.name}`);
    out.push({ name: fileName('v1', 'Pod', m.metadata.namespace, m.metadata.name), live: rec?.manifest, merged: m });
  }
  return out;
}

/** The metadata the store adds (uid, creationTimestamp, resourceVersion) is no part of what a file says. */
function withoutServerFields(meta: object): object {
  const { uid: _u, creationTimestamp: _c, resourceVersion: _r, ...rest } = meta as Record<string, unknown>;
  return rest;
}

/** kubectl diff's masking: a Secret's values as `***`, `*** (before)` and `*** (after)` where they differ. */
function maskSecrets(live: unknown, merged: unknown): [unknown, unknown] {
  const data = (x: unknown) => ((x as { data?: Record<string, string> } | undefined)?.data ?? {}) as Record<string, string>;
  const a = data(live);
  const b = data(merged);
  const mask = (mine: Record<string, string>, other: Record<string, string>, side: string) =>
    Object.fromEntries(Object.entries(mine).map(([k, v]) => [k, k in other && other[k] !== v ? `*** (${side})` : '***']));
  const with_ = (x: unknown, d: Record<string, string>) => (x === undefined ? undefined : { ...(x as object), ...(Object.keys(d).length ? { data: d } : {}) });
  return [with_(live, mask(a, b, 'before')), with_(merged, mask(b, a, 'after'))];
}
