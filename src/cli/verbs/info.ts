// podrun info [-o table|json]: what podrun found on this host and will use: its folders, the
// cgroup hierarchy that drives the freezer and each resource controller (docs/runtime.md,
// "Resources"), the pids limit per pod, AppArmor, the huge pages reserved. Read-only, like a dry run's facts.
import { UsageError } from '../../util/errors';
import { parseArgs, str, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { podrunVersion } from '../../util/version';

export const spec: VerbSpec = {
  name: 'info',
  usage: 'podrun info [-o table|json]',
  description: 'Show what podrun uses on this host: cgroups (v1 or v2, which controllers), AppArmor, user namespaces, its folders.',
  examples: [['as JSON', 'podrun info -o json']],
  options: { output: { type: 'string', short: 'o', default: 'table', arg: 'table|json', help: 'the output format', complete: ['table', 'json'] } },
};

export async function run(argv: string[], ctx: CliContext, as: VerbSpec = spec): Promise<number> {
  const usage = as.usage;
  const { values, positionals } = parseArgs(argv, as);
  const output = str(values.output);
  if (output !== 'table' && output !== 'json') throw new UsageError(`-o ${output}: expected 'table' or 'json'`, `usage: ${usage}`);
  if (positionals.length) throw new UsageError('info takes no arguments', `usage: ${usage}`);
  const { CONTROLLERS, cgroupParent, detectCgroups } = await import('../../runtime/cgroup/detect');
  const { hostHugePages, podPidsLimit } = await import('../../runtime/facts');
  const { hostAppArmor } = await import('../../runtime/apparmor');
  const { CGROUP_PARENT } = await import('../../plan/cgroup');
  const { DEFAULT_POD_PIDS_LIMIT, bytesText } = await import('../../plan/resources');
  const cg = detectCgroups();
  const pids = podPidsLimit().podPidsLimit ?? DEFAULT_POD_PIDS_LIMIT;
  const aa = hostAppArmor();
  type Hierarchy = { version: string; mount: string } | null;
  const hierarchy = (key: string): Hierarchy => (cg.driver === 'none' ? null : { version: key === 'unified' ? 'v2' : 'v1', mount: cg.mounts[key] });
  const cgroups: { driver: 'none'; why: string } | { driver: 'v2' | 'v1'; parent: string; freezer: Hierarchy; controllers: Record<string, Hierarchy>; podPidsLimit: number | null } =
    cg.driver === 'none'
      ? { driver: 'none', why: cg.why }
      : {
          driver: cg.driver,
          parent: cgroupParent().cgroupParent ?? CGROUP_PARENT,
          freezer: hierarchy(cg.driver === 'v2' ? 'unified' : 'freezer'),
          controllers: Object.fromEntries(CONTROLLERS.map((c): [string, Hierarchy] => [c, cg.controllers?.[c] ? hierarchy(cg.controllers[c]!) : null])),
          podPidsLimit: pids > 0 ? pids : null,
        };
  const info = {
    version: podrunVersion(),
    node: process.version,
    root: ctx.paths.root,
    runRoot: ctx.paths.runRoot,
    cgroups,
    appArmor: aa.enabled ? { enabled: true } : { enabled: false, why: aa.why },
    // what the node would advertise as capacity, by resource name (kubectl describe node)
    hugePages: Object.fromEntries(hostHugePages().map((s) => [s.name, { pages: s.pages, capacity: bytesText(s.pages * s.bytes) }])),
  };
  if (output === 'json') {
    ctx.out(JSON.stringify(info, null, 2) + '\n');
    return 0;
  }
  const L = [`podrun:     ${info.version} (node ${info.node})`, `root:       ${info.root}`, `run root:   ${info.runRoot}`];
  if (cgroups.driver === 'none') L.push(`cgroups:    none (${cgroups.why}): no limits; commit needs --pause=false`);
  else {
    const show = (h: Hierarchy) => (h ? `${h.version} ${h.mount}` : 'not available (limits on it are refused)');
    L.push(`cgroups:    pods under ${cgroups.parent} in each hierarchy`);
    L.push(`  freezer:  ${show(cgroups.freezer)}`);
    for (const [c, h] of Object.entries(cgroups.controllers)) L.push(`  ${`${c}:`.padEnd(9)} ${show(h)}`);
    L.push(`  pids.max: ${cgroups.podPidsLimit ?? 'none'} per pod (PODRUN_POD_PIDS_LIMIT)`);
  }
  L.push(`apparmor:   ${aa.enabled ? 'enabled' : `not available (${aa.why})`}`);
  const pages = Object.entries(info.hugePages);
  L.push(`hugepages:  ${pages.length ? pages.map(([n, h]) => `${n} ${h.capacity} (${h.pages} pages)`).join(', ') : 'none (this kernel has no hugetlb)'}`);
  ctx.out(L.join('\n') + '\n');
  return 0;
}
