// The host platform, and picking the matching manifest from an OCI index / Docker manifest list.
import { PodrunError } from '../util/errors';
import type { Descriptor, Platform } from './oci';

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** linux/amd64, linux/arm64 (variant v8), linux/arm (variant v6/v7). */
export function hostPlatform(): Platform {
  const architecture = ARCH[process.arch] ?? process.arch;
  if (architecture === 'arm64') return { os: 'linux', architecture, variant: 'v8' };
  if (architecture === 'arm') {
    const v = (process.config.variables as unknown as Record<string, unknown>).arm_version;
    return { os: 'linux', architecture, variant: `v${v ?? 7}` };
  }
  return { os: 'linux', architecture };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** Parses `linux/arm64/v8` style strings (the --platform flag). */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant, extra] = s.split('/');
  if (!os || !architecture || extra !== undefined)
    throw new PodrunError(`invalid platform '${s}'`, 'use OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64/v8');
  return variant ? { os, architecture, variant } : { os, architecture };
}

function variantMatches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  if (!want.variant || !have.variant) return true;
  return want.variant === have.variant;
}

/**
 * Picks the manifest for `want` from an index's manifests: exact variant first, then one with no
 * variant (arm64 images often omit v8). Attestation manifests (unknown/unknown) never match.
 */
export function pickManifest(manifests: Descriptor[], want: Platform = hostPlatform()): Descriptor {
  const candidates = manifests.filter((m) => variantMatches(want, m.platform));
  const exact = candidates.find((m) => (m.platform?.variant ?? '') === (want.variant ?? ''));
  const pick = exact ?? candidates[0];
  if (!pick) {
    const have = manifests.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown')).join(', ');
    throw new PodrunError(
      `no manifest for platform ${formatPlatform(want)} in the image index (it has: ${have || 'none'})`,
      'pick a platform the image provides, or use an image built for this machine',
    );
  }
  return pick;
}
