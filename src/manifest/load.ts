// Reading pod manifests: FILE | DIR | '-' -> validated Pods, or every problem found, each located
// by file, line and field path. Never throws for a bad manifest; only for a bug.
import { lstatSync, readdirSync, statSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { resolvePaths, type Paths } from '../util/paths';
import { formatFieldPath, ManifestError } from '../util/errors';
import { InputFileError, readBounded, readUserFile } from '../util/input';
import { decodeUtf8, readYaml, MAX_FILE_BYTES, type YamlDocument } from './yaml';
import { validateDocument } from './validate';
import type { PodManifest } from './schema';
import type { ConfigObject } from './objects';
import type { WorkloadManifest } from './workload-schema';

export type { PodManifest, ContainerManifest, VolumeManifest } from './schema';

export interface LoadedPod {
  /** Absolute path of the manifest, or '<stdin>'. */
  file: string;
  /** Line where the document starts (1-based). */
  line: number;
  /** The line a field of this pod is written on (its nearest written ancestor's, else the document's). */
  lineOf?: (path: (string | number)[]) => number;
  /** The validated v1 Pod with Kubernetes defaults applied. */
  manifest: PodManifest;
  /** The folder its relative hostPaths start at, when not the file's (a workload's pod from stdin: the folder it was applied in). */
  baseDir?: string;
}

/** A ConfigMap, Secret or PersistentVolumeClaim from the files, as it will be stored. */
export interface LoadedObject {
  file: string;
  line: number;
  /** The line a field of this object is written on (as LoadedPod.lineOf). */
  lineOf?: (path: (string | number)[]) => number;
  object: ConfigObject;
}

/** A Deployment, ReplicaSet, StatefulSet or DaemonSet from the files (plan/workload-pods.ts makes its pods). */
export interface LoadedWorkload {
  file: string;
  line: number;
  lineOf?: (path: (string | number)[]) => number;
  workload: WorkloadManifest;
}

export interface ManifestWarning {
  file: string;
  line?: number;
  path: (string | number)[];
  message: string;
}

export interface LoadResult {
  pods: LoadedPod[];
  /** In file order; apply stores them before it starts any pod. */
  objects: LoadedObject[];
  /** In file order; apply runs them after the pods. */
  workloads: LoadedWorkload[];
  warnings: ManifestWarning[];
  errors: ManifestError[];
}

/** `warning: FILE:LINE: path: message` */
export function formatManifestWarning(w: ManifestWarning): string {
  return `warning: ${w.file}${w.line ? `:${w.line}` : ''}: ${w.path.length ? formatFieldPath(w.path) : '(document)'}: ${w.message}`;
}


interface Source {
  /** As shown in messages: the path as the user wrote it (joined with the entry for directories). */
  display: string;
  /** Absolute path, or '<stdin>'. */
  abs: string;
  text?: string;
  problem?: { detail: string; hint: string };
}

/**
 * Reads FILE|DIR|'-' inputs (several docs per file via ---, every *.yaml/*.yml in a dir sorted,
 * stdin). Never throws for bad manifests: collects ALL problems. Error and warning `file`s are the
 * paths as given (so messages match what the user typed); LoadedPod.file is absolute.
 */
export interface LoadOptions {
  stdin?: string;
  paths?: Paths;
  probesAndHooks?: boolean;
  /** `-n NS`: the namespace of the objects that name none; one that names another is an error (kubectl's). */
  namespace?: string;
  /** `-R`: a directory's subdirectories too. */
  recursive?: boolean;
  /** `--validate`: what a field podrun does not run does (manifest/validate.ts). */
  validate?: import('./validate').ValidateMode;
}

export async function loadManifests(inputs: string[], opts: LoadOptions = {}): Promise<LoadResult> {
  const errors: ManifestError[] = [];
  const warnings: ManifestWarning[] = [];
  const pods: LoadedPod[] = [];
  const objects: LoadedObject[] = [];
  const workloads: LoadedWorkload[] = [];
  const seen = new Map<string, { file: string; line: number }>();
  const once = (kind: string, ns: string, name: string, file: string, line: number): boolean => {
    const key = `${kind}:${ns}/${name}`;
    const before = seen.get(key);
    if (before) {
      errors.push(new ManifestError(file, ['metadata', 'name'], `${kind === 'Pod' ? 'pod' : kind} ${ns}/${name} is also defined at ${before.file}:${before.line}`, `give each ${kind === 'Pod' ? 'pod' : kind} a unique name (or namespace)`, line));
      return false;
    }
    seen.set(key, { file, line });
    return true;
  };

  for (const src of listSources(inputs, opts)) {
    if (src.problem) {
      errors.push(new ManifestError(src.display, [], src.problem.detail, src.problem.hint));
      continue;
    }
    const { docs, problem } = readYaml(src.text ?? '');
    if (problem) {
      errors.push(new ManifestError(src.display, problem.path, problem.detail, problem.hint, problem.line));
      continue;
    }
    for (const doc of docs) {
      if (doc.value === null || doc.value === undefined) continue; // empty document, e.g. a trailing `---`
      if (opts.namespace !== undefined) {
        const clash = setNamespace(doc, opts.namespace, src.display);
        if (clash) {
          errors.push(clash);
          continue;
        }
      }
      const r = validateDocument(doc, src.display, { baseDir: src.abs === "<stdin>" ? process.cwd() : dirname(src.abs), stateDirs: stateDirs(opts.paths), probesAndHooks: opts.probesAndHooks, validate: opts.validate });
      warnings.push(...r.warnings);
      errors.push(...r.errors);
      for (const manifest of r.manifests)
        if (once('Pod', manifest.pod.metadata.namespace, manifest.pod.metadata.name, src.display, manifest.line))
          pods.push({ file: src.abs, line: manifest.line, lineOf: manifest.lineOf, manifest: manifest.pod });
      for (const o of r.objects)
        if (once(o.object.kind, o.object.metadata.namespace, o.object.metadata.name, src.display, o.line)) objects.push({ file: src.abs, line: o.line, lineOf: o.lineOf, object: o.object });
      for (const w of r.workloads)
        if (once(w.workload.kind, w.workload.metadata.namespace, w.workload.metadata.name, src.display, w.line)) workloads.push({ file: src.abs, line: w.line, lineOf: w.lineOf, workload: w.workload });
    }
  }
  return { pods, objects, workloads, warnings, errors };
}

function listSources(inputs: string[], opts: LoadOptions): Source[] {
  const out: Source[] = [];
  for (const input of inputs) {
    if (input === '-') {
      // One byte over the limit is enough for decodeUtf8 to report the size.
      const buf = opts.stdin === undefined ? readBounded(0, MAX_FILE_BYTES) : Buffer.from(opts.stdin, 'utf8');
      out.push(fromBuffer('<stdin>', '<stdin>', buf));
      continue;
    }
    let st;
    try {
      st = statSync(input);
    } catch (e) {
      out.push({ display: input, abs: resolve(input), problem: { detail: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, hint: 'pass an existing file, directory or - for stdin' } });
      continue;
    }
    if (st.isDirectory()) {
      const found = dirSources(input, opts.recursive === true);
      if (found.length === 0)
        out.push({ display: input, abs: resolve(input), problem: { detail: `directory holds no *.yaml, *.yml or *.json file${opts.recursive ? ' (nor do its subdirectories)' : ''}`, hint: opts.recursive ? 'pass a directory with pod manifests, or a file' : 'pass a directory with pod manifests, or a file; -R reads its subdirectories too' } });
      out.push(...found);
    } else out.push(readSource(input));
  }
  return out;
}

/** A directory's manifests, sorted (kubectl's extensions: .yaml, .yml, .json); RECURSIVE: its subdirectories' after its own, each sorted. */
function dirSources(dir: string, recursive: boolean): Source[] {
  const out: Source[] = [];
  const subdirs: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      // a dangling symlink: readSource reports it (when it is named like a manifest)
    }
    if (isDir) {
      // into real directories only, as kubectl's walk: a symlink to one (`loop -> ..`) is not followed
      if (recursive && lstatSync(p).isDirectory()) subdirs.push(p);
    } else if (/\.(ya?ml|json)$/.test(n)) out.push(readSource(p));
  }
  for (const d of subdirs) out.push(...dirSources(d, true));
  return out;
}

/**
 * `apply -n NS`: the namespace of DOC's objects (a List's items too) that name none; an object
 * that names another namespace is kubectl's error.
 */
function setNamespace(doc: YamlDocument, namespace: string, file: string): ManifestError | undefined {
  const items: Array<{ value: unknown; path: (string | number)[] }> =
    isMapping(doc.value) && doc.value.kind === 'List' && Array.isArray(doc.value.items) ? (doc.value.items as unknown[]).map((value, i) => ({ value, path: ['items', i] })) : [{ value: doc.value, path: [] }];
  for (const { value, path } of items) {
    if (!isMapping(value)) continue; // validation says what is wrong with it
    const meta = isMapping(value.metadata) ? value.metadata : (value.metadata = {});
    if (meta.namespace === undefined || meta.namespace === '') meta.namespace = namespace;
    else if (meta.namespace !== namespace)
      return new ManifestError(
        file,
        [...path, 'metadata', 'namespace'],
        `the namespace from the provided object "${String(meta.namespace)}" does not match the namespace "${namespace}"`,
        `you must pass '--namespace=${String(meta.namespace)}' to perform this operation, or leave -n out`,
        doc.lineOf([...path, 'metadata', 'namespace']),
      );
  }
  return undefined;
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readSource(path: string): Source {
  const abs = resolve(path);
  try {
    const buf = readUserFile(path, MAX_FILE_BYTES, {
      accepts: `podrun reads a manifest of at most ${MAX_FILE_BYTES} bytes from a regular file, or from - (standard input)`,
      hint: 'pass a manifest file, a directory of *.yaml files, or - with the manifest on standard input',
      tooLargeHint: 'a pod manifest is a few KiB; check that this is the right file',
    });
    return fromBuffer(path, abs, buf);
  } catch (e) {
    if (e instanceof InputFileError) return { display: path, abs, problem: { detail: e.detail, hint: e.hint ?? '' } };
    return { display: path, abs, problem: { detail: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, hint: 'check the path and its permissions' } };
  }
}

function fromBuffer(display: string, abs: string, buf: Buffer): Source {
  const decoded = decodeUtf8(buf);
  if ('problem' in decoded) return { display, abs, problem: { detail: decoded.problem.detail, hint: decoded.problem.hint ?? '' } };
  return { display, abs, text: decoded.text };
}

/** podrun's own state directories, which no hostPath may expose to a pod. */
export function stateDirs(paths: Paths = resolvePaths()): string[] {
  // the user namespace registry's default dir is below /run/podrun
  return [resolve(paths.root), resolve(paths.runRoot), '/var/lib/podrun', '/run/podrun', ...(paths.usernsDir ? [resolve(paths.usernsDir)] : [])];
}
