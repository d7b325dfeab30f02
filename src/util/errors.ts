// Every error podrun expects to happen is a PodrunError: it carries an exit code and a hint, and
// the CLI's single catch prints it as `error: ...` without a stack. Anything else is a bug.

export class PodrunError extends Error {
  exitCode = 1;
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** `--help` / `-h`: not an error; the CLI prints the usage on stdout and exits 0. */
export class HelpRequest extends PodrunError {
  override exitCode = 0;
}

/** Bad command-line usage: exit 2, nothing changed. */
export class UsageError extends PodrunError {
  override exitCode = 2;
}

/** One problem in a manifest, located by file, line and field path. */
export class ManifestError extends PodrunError {
  override exitCode = 2;
  constructor(
    readonly file: string,
    readonly path: (string | number)[],
    readonly detail: string,
    hint?: string,
    readonly line?: number,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${formatFieldPath(path) || '(document)'}: ${detail}`, hint);
  }
}

/**
 * A manifest that is valid on its own but cannot run with what this host has (an image without a
 * command, a user the image does not define): found while planning, exit 1 as any runtime failure.
 */
export class PlanError extends ManifestError {
  override exitCode = 1;
}

/** Several manifest problems reported at once; the CLI prints each with its hint. */
export class ManifestErrors extends PodrunError {
  override exitCode: number;
  constructor(readonly errors: ManifestError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.exitCode = Math.max(1, ...errors.map((e) => e.exitCode));
  }
}

/** A failed syscall, from the addon or the helper: keeps errno as a code callers can test. */
export class SyscallError extends PodrunError {
  constructor(
    readonly code: string,
    readonly errno: number,
    readonly syscall: string,
    readonly path?: string,
    readonly step?: string,
    hint?: string,
  ) {
    super(`${step ? `${step}: ` : ''}${syscall}${path ? ` ${path}` : ''}: ${code}`, hint);
  }
}

/** The thing named does not exist (pod, image, container). */
export class NotFoundError extends PodrunError {}

/** The operation conflicts with current state (pod locked, image in use). */
export class ConflictError extends PodrunError {}

/**
 * `spec.containers[1].image` from ['spec', 'containers', 1, 'image']; a map key that is not a
 * plain name is written as Kubernetes does (field.Path.Key): `data[app.properties]`,
 * `limits[example.com/gpu]`, so the dots inside it do not read as nesting.
 */
export function formatFieldPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number' || (out && !/^[A-Za-z0-9_-]+$/.test(p))) out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out;
}

export function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
