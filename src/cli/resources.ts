// How commands name what they act on, the same way in every verb (as kubectl reads them): a
// resource type word and names (`pod web`, `pods a b`, `po web`), TYPE/NAME (`pod/web`,
// `pods/web`, `po/web`), and for exec/logs/commit `POD/CONTAINER`; plus `-n/--namespace`
// (default "default").
import { UsageError } from '../util/errors';
import type { OptionSpec } from './args';
import { OBJECT_KINDS, WORKLOAD_KINDS, type ObjectKind, type WorkloadKind } from '../util/kinds';

export const DEFAULT_NAMESPACE = 'default';

/** Add to a verb's parseArgs options. */
export const namespaceOptions: OptionSpec = {
  namespace: { type: 'string', short: 'n', arg: 'NAMESPACE', help: 'the namespace (default "default")', complete: 'namespaces' },
};

/** `-c/--container` of the verbs that act in one container. */
export const containerOption: OptionSpec = {
  container: { type: 'string', short: 'c', arg: 'CONTAINER', help: "the container (default the pod's default-container annotation, else its only one)", complete: 'containers' },
};

/** `-A/--all-namespaces` of the verbs that list. */
export const allNamespacesOption: OptionSpec = {
  'all-namespaces': { type: 'boolean', short: 'A', help: 'every namespace (a NAMESPACE column is added)' },
};

/** `--grace-period`/`--now` of the verbs that stop pods. */
export const graceOptions: OptionSpec = {
  'grace-period': { type: 'string', arg: 'SECONDS', help: "seconds each pod gets to stop after SIGTERM before SIGKILL (0 kills at once; -1 the pod's own terminationGracePeriodSeconds)" },
  now: { type: 'boolean', help: 'stop at once: the same as --grace-period=1' },
};

/** kubectl's `--validate` of the verbs that read manifests (manifest/validate.ts, ValidateMode). */
export const validateOption: OptionSpec = {
  validate: { type: 'string', arg: 'strict|warn|ignore', help: "a field podrun does not run: strict refuses it (the default); warn runs without it, naming it; ignore also takes unknown fields (kubectl's; true is strict, false ignore)", complete: ['strict', 'warn', 'ignore'] },
};

/** --validate's mode: strict, warn, ignore; true (strict) and false (ignore) as kubectl reads them. */
export function validateModeOf(values: Record<string, unknown>): 'strict' | 'warn' | 'ignore' {
  const v = values.validate;
  if (v === undefined || v === 'strict' || v === 'true') return 'strict';
  if (v === 'warn') return 'warn';
  if (v === 'ignore' || v === 'false') return 'ignore';
  throw new UsageError(`--validate: unknown value '${String(v)}'`, 'use --validate=strict, warn or ignore');
}

/** `--insecure` of the verbs that talk to a registry (pull, push, login). */
export const insecureOption: OptionSpec = {
  insecure: { type: 'boolean', help: 'plain HTTP, or HTTPS without checking the certificate' },
};

/** `-R/--recursive` of the verbs that read manifests from directories. */
export const recursiveOption: OptionSpec = {
  recursive: { type: 'boolean', short: 'R', help: "a directory's subdirectories too" },
};

/** `-f/--filename` of the verbs that read manifests. */
export const filenameOption = (what: string): OptionSpec => ({
  filename: { type: 'string', short: 'f', multiple: true, arg: 'FILE', help: `${what}: a file, a directory of .yaml/.yml/.json files, or - for stdin (repeatable)`, complete: 'files' },
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function checkNamespace(ns: string): string {
  if (!DNS_LABEL.test(ns) || ns.length > 63)
    throw new UsageError(`--namespace: '${ns}' is not a valid namespace`, 'a namespace is a DNS label: lower-case letters, digits and -, at most 63 characters');
  return ns;
}

/** The namespace from parsed `-n/--namespace`, default "default". */
export function namespaceFrom(values: Record<string, unknown>): string {
  const v = values.namespace;
  return checkNamespace(typeof v === 'string' && v !== '' ? v : DEFAULT_NAMESPACE);
}

export interface PodAddress {
  namespace: string;
  name: string;
  container?: string;
}

/** The words kubectl accepts for the pod resource type. */
export const POD_TYPE_WORDS = ['pod', 'pods', 'po'];

function stripPodType(arg: string): string {
  const slash = arg.indexOf('/');
  return slash > 0 && POD_TYPE_WORDS.includes(arg.slice(0, slash)) ? arg.slice(slash + 1) : arg;
}

/** `NAME`, `NAME/CONTAINER`, or `pod/NAME` (kubectl's TYPE/NAME form) in `namespace`. */
export function parsePodAddress(arg: string, namespace: string, opts: { allowContainer?: boolean } = {}): PodAddress {
  const s = stripPodType(arg);
  const parts = s.split('/');
  if (parts.length > 2 || (parts.length === 2 && !opts.allowContainer))
    throw new UsageError(`'${arg}' is not a pod name`, opts.allowContainer ? 'use POD or POD/CONTAINER' : 'use the pod name, e.g. `web`');
  const [name, container] = parts;
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253)
    throw new UsageError(`'${name}' is not a valid pod name`, 'pod names are lower-case letters, digits, - and ., starting and ending with a letter or digit');
  if (container !== undefined && (!DNS_LABEL.test(container) || container.length > 63))
    throw new UsageError(`'${container}' is not a valid container name`, 'container names are DNS labels: lower-case letters, digits and -');
  return { namespace, name, ...(container !== undefined ? { container } : {}) };
}

/**
 * The pods named by a verb's positional arguments: `[pod|pods|po] NAME...` or `pod/NAME...`.
 * `required`: at least one name must be given. A bare first word that is not a pod type is an
 * unknown resource type, as in kubectl.
 */
export function parsePodArgs(verb: string, args: string[], namespace: string, opts: { required: boolean; usage: string }): PodAddress[] {
  let names = args;
  if (names.length && POD_TYPE_WORDS.includes(names[0])) names = names.slice(1);
  else if (names.length && !names[0].includes('/'))
    throw new UsageError(`podrun ${verb}: unknown resource type '${names[0]}'`, `podrun manages pods: 'podrun ${verb} pod NAME'`);
  for (const n of names)
    if (n.includes('/') && !POD_TYPE_WORDS.includes(n.slice(0, n.indexOf('/'))))
      throw new UsageError(`podrun ${verb}: unknown resource type '${n.slice(0, n.indexOf('/'))}'`, `podrun manages pods: 'podrun ${verb} pod/NAME'`);
  if (opts.required && names.length === 0) throw new UsageError(`name at least one pod`, `usage: ${opts.usage}`);
  return names.map((n) => parsePodAddress(n, namespace));
}

/** `POD`, `POD/CONTAINER` or `pod/POD[/CONTAINER]`, plus `-c CONTAINER` (which must agree with the slash form). */
export function containerAddress(arg: string | undefined, cFlag: string | undefined, namespace: string, usage: string): PodAddress {
  if (!arg) throw new UsageError('a pod name is required', `usage: ${usage}`);
  const a = parsePodAddress(arg, namespace, { allowContainer: true });
  if (cFlag !== undefined && a.container !== undefined && cFlag !== a.container)
    throw new UsageError(`'${arg}' and -c ${cFlag} name different containers`, 'name the container once');
  return cFlag !== undefined ? { ...a, container: cFlag } : a;
}

/** What a verb acts on: a pod or a stored object (ConfigMap, Secret, PersistentVolumeClaim). */
export type ResourceKind = 'Pod' | ObjectKind | WorkloadKind;

/** kubectl's words for each kind: singular, plural, short name, and the Kind itself in lower case. */
const TYPE_WORDS: Record<string, ResourceKind> = (() => {
  const m: Record<string, ResourceKind> = Object.fromEntries(POD_TYPE_WORDS.map((w) => [w, 'Pod' as const]));
  for (const [kind, n] of Object.entries(OBJECT_KINDS)) for (const w of [n.singular, n.plural, n.short, kind.toLowerCase()]) if (w) m[w] = kind as ObjectKind;
  // `deployment.apps` too, as kubectl prints it
  for (const [kind, n] of Object.entries(WORKLOAD_KINDS)) for (const w of [n.singular, n.plural, n.short, `${n.singular}.${n.group}`, `${n.plural}.${n.group}`]) if (w) m[w] = kind as WorkloadKind;
  return m;
})();

export const resourceKind = (word: string): ResourceKind | undefined => (Object.prototype.hasOwnProperty.call(TYPE_WORDS, word) ? TYPE_WORDS[word] : TYPE_WORDS[word.toLowerCase()]);

export interface ResourceAddress {
  kind: ResourceKind;
  namespace: string;
  name: string;
}

const KNOWN_TYPES = 'pods (po), deployments (deploy), replicasets (rs), statefulsets (sts), daemonsets (ds), jobs, services (svc), configmaps (cm), secrets, persistentvolumeclaims (pvc)';

function unknownType(verb: string, word: string): UsageError {
  return new UsageError(`podrun ${verb}: unknown resource type '${word}'`, `podrun knows ${KNOWN_TYPES}: e.g. 'podrun ${verb} pod NAME' or 'podrun ${verb} cm/NAME'`);
}

function checkName(kind: ResourceKind, name: string): string {
  if (kind === 'Pod') return parsePodAddress(name, DEFAULT_NAMESPACE).name;
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253)
    throw new UsageError(`'${name}' is not a valid ${kind} name`, 'names are lower-case letters, digits, - and ., starting and ending with a letter or digit');
  return name;
}

/**
 * `TYPE [NAME...]` or `TYPE/NAME...` (kinds may mix in the slash form, as in kubectl). Returns
 * the kind the command names (for `get TYPE` without names) and the addresses.
 */
export function parseResourceArgs(verb: string, args: string[], namespace: string, opts: { required: boolean; usage: string }): { kind: ResourceKind; addrs: ResourceAddress[] } {
  if (!args.length) throw new UsageError(`name what to ${verb}: ${KNOWN_TYPES}`, `usage: ${opts.usage}`);
  const first = args[0];
  if (!first.includes('/')) {
    const kind = resourceKind(first);
    if (!kind) throw unknownType(verb, first);
    const names = args.slice(1);
    for (const n of names) if (n.includes('/')) throw new UsageError(`'${n}': there is no need to specify a resource type as a separate argument when passing arguments in resource/name form`, `write '${verb} ${n}' alone, or '${verb} ${first} ${n.slice(n.indexOf('/') + 1)}'`);
    if (opts.required && !names.length) throw new UsageError(`name at least one ${kind === 'Pod' ? 'pod' : kind}`, `usage: ${opts.usage}`);
    return { kind, addrs: names.map((n) => ({ kind, namespace, name: checkName(kind, n) })) };
  }
  const addrs = args.map((a) => {
    const slash = a.indexOf('/');
    if (slash < 0) throw new UsageError(`'${a}': every argument must be TYPE/NAME when the first one is`, `e.g. '${verb} cm/${a}'`);
    const kind = resourceKind(a.slice(0, slash));
    if (!kind) throw unknownType(verb, a.slice(0, slash));
    return { kind, namespace, name: checkName(kind, a.slice(slash + 1)) };
  });
  return { kind: addrs[0].kind, addrs };
}
