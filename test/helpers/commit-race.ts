// The commit race of escape 2 (docs/security.md), shared by test/integration/pod-escapes.test.ts
// (a bounded number of commits) and bench/escapes/commit-race.ts (100 by default).
//
// The attacker's pod: for each target T, /x/N/a is a directory holding the container's own
// `shadow` and /x/N/b a symlink to T, a host directory holding the host's `shadow` (a marker file
// standing in for /etc/shadow, or /etc itself; the symlink dangles inside the container). The
// static `exchange` program swaps each pair of names in turn as fast as it can (renameat2
// RENAME_EXCHANGE), so a walk of the upper dir that follows a path through x/N/a can end up in
// the host's directory. Each commit's layer is then checked for the host's bytes, and for being
// one moment of the container (x/N: one of a/b the directory with our shadow, the other the link).
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'fs';
import { join } from 'path';
import type { CliResult } from './cli';
import { staticProgram } from './static-c';
import { LayerEntry, topLayerEntries } from './store-layers';

export const OWN_SHADOW = 'container-own\n';

export interface RaceSetup {
  root: string;
  /** A host dir for the exchange tool (a read-only hostPath). */
  hostDir: string;
  /** The symlink targets, one pair each. */
  targets: string[];
  /** Byte strings that must never appear in a layer (the marker, the host's /etc/shadow). */
  secrets: Buffer[];
  run(args: string[]): CliResult;
}

export interface Race {
  ok: number;
  /** Refused with "changed while committing" (a change the walk could not archive). */
  changed: number;
  other: string[];
  /** Commits whose layer holds a secret. */
  leaked: number[];
  /** Commits whose layer is not one moment of the container. */
  inconsistent: number[];
  /** Milliseconds per commit, each. */
  ms: number[];
}

export const raceSummary = (r: Race) =>
  `ok ${r.ok}, changed ${r.changed}, other failures ${r.other.length}, leaked ${r.leaked.length}, inconsistent ${new Set(r.inconsistent).size}`;

/** The pod's manifest (JSON, valid YAML): busybox, one container `c` running the exchanger. */
export function racerManifest(pod: string, tools: string, targets: string[]): string {
  const ids = targets.map((_, i) => i + 1);
  const script =
    'set -e; ' +
    ids.map((i) => `mkdir -p /x/${i}/a; printf 'container-own\\n' > /x/${i}/a/shadow; ln -s ${targets[i - 1]} /x/${i}/b; set -- "$@" /x/${i}/a /x/${i}/b; `).join('') +
    'touch /ready; exec /t/exchange "$@"';
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 't', hostPath: { path: tools, type: 'Directory' } }],
      containers: [{ name: 'c', image: 'busybox:test', imagePullPolicy: 'Never', command: ['sh', '-c', script], volumeMounts: [{ name: 't', mountPath: '/t', readOnly: true }] }],
    },
  });
}

/** The exchange tool in `hostDir/exchangetools` (built once per run). */
export function exchangeTools(hostDir: string): string {
  const tools = join(hostDir, 'exchangetools');
  if (!existsSync(tools)) {
    mkdirSync(tools);
    copyFileSync(staticProgram('exchange'), join(tools, 'exchange'));
  }
  return tools;
}

function consistent(entries: LayerEntry[], n: number, target: string): boolean {
  const under = entries.filter((e) => e.h.name.startsWith(`x/${n}/`));
  const dirs = under.filter((e) => e.h.type === 'dir').map((e) => e.h.name);
  const links = under.filter((e) => e.h.type === 'symlink' && e.h.linkname === target);
  if (dirs.length !== 1 || links.length !== 1 || under.length !== 3) return false;
  const shadow = under.find((e) => e.h.name === `${dirs[0]}/shadow`);
  return shadow !== undefined && shadow.h.type === 'file' && shadow.body.toString() === OWN_SHADOW;
}

/** `count` commits of POD/c as REPO:i with `flags`, each layer checked. */
export async function commitRace(r: RaceSetup, pod: string, repo: string, flags: string[], count: number): Promise<Race> {
  const race: Race = { ok: 0, changed: 0, other: [], leaked: [], inconsistent: [], ms: [] };
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    const c = r.run(['commit', ...flags, `${pod}/c`, `${repo}:${i}`]);
    race.ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (c.code !== 0) {
      if (/changed while committing/.test(c.stderr)) race.changed++;
      else race.other.push(c.stderr.split('\n')[0]);
      continue;
    }
    race.ok++;
    const entries = await topLayerEntries(r.root, repo, String(i));
    if (entries.some((e) => r.secrets.some((s) => e.body.includes(s)))) race.leaked.push(i);
    r.targets.forEach((target, k) => {
      if (!consistent(entries, k + 1, target)) race.inconsistent.push(i);
    });
  }
  return race;
}

/** The host's /etc/shadow, as one more secret (empty when unreadable). */
export function hostShadow(): Buffer[] {
  try {
    const b = readFileSync('/etc/shadow');
    return b.length ? [b] : [];
  } catch {
    return [];
  }
}
