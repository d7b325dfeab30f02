// Huge page resource names and emptyDir media (kubelet-resources.md R1.3, C3.16): `hugepages-2Mi`
// names a page size as a quantity; `HugePages-2Mi` is the emptyDir medium of that size. The
// kernel names the same size `2MB` in its cgroup files (HugePageUnitSizeFromByteSize). Pure.
import { formatQuantity, parseQuantityExact, quantityValue } from './quantity';

export const HUGEPAGES_PREFIX = 'hugepages-';
export const HUGEPAGES_MEDIUM = 'HugePages';

/** The page size in bytes a `hugepages-<size>` name (or a `HugePages-<size>` medium) gives; undefined: not one. */
export function hugePageSize(name: string, prefix = HUGEPAGES_PREFIX): bigint | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const p = parseQuantityExact(name.slice(prefix.length));
  if (!p.ok || p.q.nanos <= 0n || p.q.nanos % 1_000_000_000n !== 0n) return undefined;
  return quantityValue(p.q);
}

/** The canonical name of a page size (`hugepages-2Mi`, `hugepages-1Gi`), as a node advertises it. */
export const hugePagesName = (bytes: bigint): string => `${HUGEPAGES_PREFIX}${formatQuantity({ nanos: bytes * 1_000_000_000n, format: 'BinarySI' })}`;

/** The page size part of a resource name: `hugepages-2Mi` -> `2Mi`. */
export const pageSizeText = (name: string): string => name.slice(HUGEPAGES_PREFIX.length);

/** The emptyDir medium of a page size: `HugePages-2Mi`. */
export const hugePagesMedium = (bytes: bigint): string => `${HUGEPAGES_MEDIUM}-${pageSizeText(hugePagesName(bytes))}`;

/** Whether a resource name is a huge page one (`hugepages-` and anything after). */
export const isHugePages = (name: string): name is `hugepages-${string}` => name.startsWith(HUGEPAGES_PREFIX);

/** The kernel's name of a page size in cgroup files: 2097152 -> `2MB`, 1073741824 -> `1GB`. */
export function kernelPageSizeName(bytes: bigint): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024n && v % 1024n === 0n && i < units.length - 1) {
    v /= 1024n;
    i++;
  }
  return `${v}${units[i]}`;
}
