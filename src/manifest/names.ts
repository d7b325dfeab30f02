// Kubernetes value formats (k8s.io/apimachinery/pkg/util/validation), as small checks that
// return a problem or undefined. Used by the zod schema's refinements.
import type * as Net from 'net';

export interface Problem {
  detail: string;
  hint?: string;
}

/**
 * A value as messages show it: JSON-quoted, so a newline or other control character in it is
 * written as an escape and cannot start a line of its own in podrun's output.
 */
export const quoted = (v: string) => JSON.stringify(v);

// Whitespace (Unicode's too, U+2028 included) and C0/C1 control characters.
const NOT_A_WORD = /[\s\u0000-\u001f\u007f-\u009f]/u;

/** One resolv.conf(5) word: a line is split on whitespace, so a value may hold none, nor a control character. */
export function isResolvWord(v: string): boolean {
  return v !== '' && !NOT_A_WORD.test(v);
}

/** A dnsConfig option name or value: one resolv.conf word (Kubernetes only asks for a non-empty name). */
export function resolvWord(v: string, what: string): Problem | undefined {
  if (v === '') return { detail: 'must not be empty', hint: 'name the option, e.g. `name: ndots` with `value: "5"`' };
  if (!isResolvWord(v))
    return {
      detail: `${what} ${quoted(v)} contains whitespace or a control character`,
      hint: 'a resolv.conf option is one word, e.g. `name: ndots` with `value: "5"`; whitespace would start another option or line, so write one entry per option',
    };
  return undefined;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function dns1123Label(v: string, what = 'name'): Problem | undefined {
  if (v.length === 0) return { detail: `${what} must not be empty`, hint: 'use lower-case letters, digits and "-", e.g. `web-1`' };
  if (v.length > 63) return { detail: `${what} ${quoted(v)} is longer than 63 characters`, hint: 'shorten it to at most 63 characters' };
  if (!DNS1123_LABEL.test(v))
    return { detail: `${what} ${quoted(v)} is not a valid DNS-1123 label`, hint: 'use lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. `web-1`' };
  return undefined;
}

/** A DNS-1035 label (Service names): starts with a letter. */
export function dns1035Label(v: string, what = 'name'): Problem | undefined {
  if (v.length > 63) return { detail: `${what} ${quoted(v)} is longer than 63 characters`, hint: 'shorten it to at most 63 characters' };
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(v))
    return { detail: `${what} ${quoted(v)} is not a valid DNS-1035 label`, hint: 'use lower-case letters, digits and "-", starting with a letter and ending with a letter or digit, e.g. `web`' };
  return undefined;
}

export function dns1123Subdomain(v: string, what = 'name'): Problem | undefined {
  if (v.length === 0) return { detail: `${what} must not be empty`, hint: 'use lower-case letters, digits, "-" and ".", e.g. `web-1`' };
  if (v.length > 253) return { detail: `${what} is longer than 253 characters`, hint: 'shorten it to at most 253 characters' };
  if (!DNS1123_SUBDOMAIN.test(v))
    return { detail: `${what} ${quoted(v)} is not a valid DNS-1123 subdomain`, hint: 'use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, e.g. `web-1`' };
  return undefined;
}

/** IANA_SVC_NAME: port names. */
export function portName(v: string): Problem | undefined {
  const hint = 'use at most 15 lower-case letters, digits and "-", with at least one letter, e.g. `http`';
  if (v.length === 0 || v.length > 15) return { detail: `port name ${quoted(v)} must be 1-15 characters`, hint };
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(v) || v.includes('--')) return { detail: `port name ${quoted(v)} is not a valid IANA service name`, hint };
  if (!/[a-z]/.test(v)) return { detail: `port name ${quoted(v)} must contain at least one letter`, hint };
  return undefined;
}

export function envName(v: string): Problem | undefined {
  if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(v))
    return { detail: `environment variable name ${quoted(v)} is not valid`, hint: 'use letters, digits, "_", "-" and ".", not starting with a digit, e.g. `LOG_LEVEL`' };
  return undefined;
}

export function noNul(v: string): Problem | undefined {
  return v.includes('\0') ? { detail: 'value contains a NUL character', hint: 'remove the \\0 from the value' } : undefined;
}

export function ipAddress(v: string): Problem | undefined {
  // net is required here, not at the top: it costs ~5 ms of every apply and is needed only for hostAliases.
  return (require('net') as typeof Net).isIP(v) ? undefined : { detail: `${quoted(v)} is not a valid IP address`, hint: 'write an IPv4 or IPv6 address, e.g. `127.0.0.1`' };
}

/** Absolute and clean: no `.`/`..` components, no `//`, no trailing slash (except `/`). */
export function cleanAbsolutePath(v: string): Problem | undefined {
  if (v.includes('\0')) return noNul(v);
  if (!v.startsWith('/')) return { detail: `path ${quoted(v)} must be absolute`, hint: 'start it with `/`, e.g. `/data`' };
  return cleanness(v);
}

function cleanness(v: string): Problem | undefined {
  if (/[\x00-\x1f\x7f]/.test(v)) return { detail: `path ${quoted(v)} contains a control character`, hint: 'write the path without newlines, tabs or other control characters' };
  const parts = v.split('/');
  if (parts.some((p) => p === '..')) return { detail: `path ${quoted(v)} must not contain ".."`, hint: 'write the path without ".." components' };
  if (v !== '/' && (parts.slice(1).some((p) => p === '' || p === '.') || v.endsWith('/')))
    return { detail: `path ${quoted(v)} is not clean`, hint: 'remove "//", "/./" and trailing "/" from the path' };
  return undefined;
}

/** Where a relative path must stay, for its messages: a subPath's volume, a localhostProfile's dir. */
export interface PathBase {
  base: string;
  inside: string;
  example: string;
}

const VOLUME_ROOT: PathBase = { base: 'the volume root', inside: 'its volume', example: 'conf/app.ini' };

/** A relative path that stays inside its base (subPath, localhostProfile). */
export function localDescendingPath(v: string, what = 'subPath', where: PathBase = VOLUME_ROOT): Problem | undefined {
  if (v.includes('\0')) return noNul(v);
  if (v.startsWith('/')) return { detail: `${what} ${quoted(v)} must be a relative path`, hint: `write it relative to ${where.base}, e.g. \`${where.example}\`` };
  if (v.split('/').includes('..')) return { detail: `${what} ${quoted(v)} must not contain ".."`, hint: `a ${what} must stay inside ${where.inside}` };
  return undefined;
}

export function hasWhitespace(v: string): boolean {
  return /\s/.test(v);
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Label and annotation keys: `[prefix/]name`, prefix a DNS subdomain, name 1-63 characters. */
export function qualifiedName(v: string): Problem | undefined {
  const slash = v.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : v.slice(0, slash);
  const name = slash < 0 ? v : v.slice(slash + 1);
  const hint = 'use `name` or `prefix/name`: letters, digits, "-", "_" and ".", at most 63 characters, e.g. `app.kubernetes.io/name`';
  if (prefix !== undefined && (prefix === '' || dns1123Subdomain(prefix))) return { detail: `key ${quoted(v)} has an invalid prefix`, hint };
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return { detail: `key ${quoted(v)} is not a valid qualified name`, hint };
  return undefined;
}

export function labelValue(v: string): Problem | undefined {
  if (v.length > 63 || (v !== '' && !LABEL_NAME.test(v)))
    return { detail: `label value ${quoted(v)} is not valid`, hint: 'use at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit' };
  return undefined;
}

const SYSCTL_SEGMENT = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const SYSCTL = new RegExp(`^(${SYSCTL_SEGMENT}[./])*${SYSCTL_SEGMENT}$`);

/** A sysctl name as Kubernetes validates it (`net.ipv4.ip_local_port_range`, or with `/`). */
export function sysctlName(v: string): Problem | undefined {
  if (v.length > 253 || !SYSCTL.test(v))
    return { detail: `"${v}" is not a valid sysctl name`, hint: 'write it like net.ipv4.ip_local_port_range' };
  return undefined;
}

/** A sysctl value: one line of printable text (it is written to /proc/sys as it is). */
export function sysctlValue(v: string): Problem | undefined {
  if (/[\x00-\x1f\x7f]/.test(v)) return { detail: 'sysctl value contains a control character (newline, tab, ...)', hint: 'write the value on one line, fields separated by spaces, e.g. "1024 65535"' };
  if (v.length > 4096) return { detail: 'sysctl value is longer than 4096 characters', hint: 'a sysctl value is short' };
  return undefined;
}

const HOST_LABEL = '[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?';
const HOST_NAME = new RegExp(`^${HOST_LABEL}(\\.${HOST_LABEL})*\\.?$`);

/** A probe's or hook's `host`: an IP address, or a host name (letters, digits, "-" and "."; at most 253). */
export function hostOrAddress(v: string): boolean {
  return (require('net') as typeof Net).isIP(v) !== 0 || (v.length <= 253 && HOST_NAME.test(v));
}

/** An HTTP header name as Kubernetes validates it (IsHTTPHeaderName: `[-A-Za-z0-9]+`). */
export function httpHeaderName(v: string): Problem | undefined {
  if (!/^[-A-Za-z0-9]+$/.test(v))
    return { detail: `header name ${quoted(v)} is not valid`, hint: "a header name is letters, digits and '-', e.g. `X-Probe`" };
  return undefined;
}
