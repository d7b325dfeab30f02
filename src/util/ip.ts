// IP addresses in one written form, so two spellings of an address compare equal (the hostPort
// checks): IPv4 dotted, an IPv4-mapped IPv6 address as its IPv4 (Go's net.ParseIP, which the
// CNI plugins use, reads it so), IPv6 with its longest run of zero groups compressed (RFC 5952).
import { isIPv4, isIPv6 } from 'net';

export function canonicalIP(ip: string): string {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  let s = ip.toLowerCase().replace(/%.*$/, '');
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const p = v4.slice(1).map(Number);
    s = `${s.slice(0, v4.index)}${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = (tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]).map((x) => parseInt(x, 16));
  if (groups.slice(0, 5).every((x) => x === 0) && groups[5] === 0xffff) return `${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** 0.0.0.0 and :: in any spelling: every address of the host. */
export const isUnspecified = (ip: string | undefined) => !ip || ['0.0.0.0', '::'].includes(canonicalIP(ip));
