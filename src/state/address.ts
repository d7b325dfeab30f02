// How commands name pods: `NAME` or `NAME/CONTAINER` plus `-n/--namespace` (default "default"),
// shared by get/describe/delete/logs/exec/commit so every verb reads and rejects them the same way.
import { UsageError } from '../util/errors';
import type { OptionSpec } from '../cli/args';

export const DEFAULT_NAMESPACE = 'default';

/** Add to a verb's parseArgs options. */
export const namespaceOptions: OptionSpec = {
  namespace: { type: 'string', short: 'n' },
};

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

/** `NAME`, `NAME/CONTAINER`, or `pod/NAME` (kubectl's TYPE/NAME form) in `namespace`. */
export function parsePodAddress(arg: string, namespace: string, opts: { allowContainer?: boolean } = {}): PodAddress {
  let s = arg;
  if (s.startsWith('pod/') || s.startsWith('pods/')) s = s.slice(s.indexOf('/') + 1);
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
