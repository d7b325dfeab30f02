// How Kubernetes' controllers name what they make from a workload, so that `get pods` reads as on
// a cluster: a Deployment's pods are NAME-HASH-XXXXX (its ReplicaSet NAME-HASH, the hash of the
// pod template), a ReplicaSet's and a DaemonSet's NAME-XXXXX (the API server's generateName), a
// StatefulSet's NAME-ORDINAL with claims CLAIM-NAME-ORDINAL. Pure: the random part is passed in.
import { canonicalJson } from '../util/canonical-json';

/** k8s.io/apimachinery/pkg/util/rand's alphabet: no vowels (no words) and no 0, 1, 3 (look-alikes). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each character mapped into ALPHANUMS. */
const safeEncode = (s: string) => [...s].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');

/** FNV-1a, 32 bits (hash/fnv's New32a), over the UTF-8 bytes of TEXT. */
function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/**
 * The pod-template-hash of a template (controller.ComputeHash: FNV-32a of the template, the
 * decimal number safe-encoded). podrun hashes the template's canonical JSON, so the value is not a
 * cluster's, but it changes exactly when the template does.
 */
export const templateHash = (template: unknown, collisionCount = 0) => safeEncode(String(fnv32a(canonicalJson(template) + (collisionCount ? String(collisionCount) : ''))));

/** Five random characters of ALPHANUMS, from RANDOM (0 <= random() < 1). */
export const randomSuffix = (random: () => number = Math.random) => Array.from({ length: 5 }, () => ALPHANUMS[Math.floor(random() * ALPHANUMS.length)]).join('');

/** The API server's generateName: BASE-, cut to 58 characters, then the suffix (at most 63 in all). */
export const generatedPodName = (base: string, suffix: string) => `${`${base}-`.slice(0, 58)}${suffix}`;

export const statefulPodName = (name: string, ordinal: number) => `${name}-${ordinal}`;

/** A StatefulSet pod's claim from a volumeClaimTemplate: TEMPLATE-POD. */
export const claimNameFor = (template: string, pod: string) => `${template}-${pod}`;
