// What a container's cgroup says it uses, as containerd reports it to the kubelet
// (kubelet-resources.md T8.1): cumulative CPU in nanoseconds (v1 cpuacct.usage, v2 cpu.stat
// usage_usec x 1000) and the memory working set (usage minus inactive file pages, 0 if that
// is negative: v1 memory.usage_in_bytes - total_inactive_file, v2 memory.current - inactive_file).
import { readFileSync } from 'fs';
import { join } from 'path';
import type { PlannedCgroup } from '../../plan/types';

export interface UsageSample {
  /** Cumulative CPU time of the cgroup, ns; undefined without a cpu accounting controller. */
  cpuNs?: number;
  /** Working set, bytes; undefined without a memory controller. */
  memoryBytes?: number;
}

const read = (p: string) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};
const stat = (text: string | undefined, key: string) => {
  const m = text === undefined ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

export function sampleUsage(cg: PlannedCgroup): UsageSample {
  const out: UsageSample = {};
  const c = cg.controllers ?? {};
  if (c.cpu === 'unified') {
    const u = stat(read(join(cg.dirs.unified, 'cpu.stat')), 'usage_usec');
    if (u !== undefined) out.cpuNs = u * 1000;
  } else if (c.cpuacct) {
    const t = read(join(cg.dirs[c.cpuacct], 'cpuacct.usage'));
    if (t !== undefined && /^\d+\s*$/.test(t)) out.cpuNs = Number(t);
  }
  if (c.memory) {
    const dir = cg.dirs[c.memory];
    const v2 = c.memory === 'unified';
    const usage = read(join(dir, v2 ? 'memory.current' : 'memory.usage_in_bytes'))?.trim();
    const inactive = stat(read(join(dir, 'memory.stat')), v2 ? 'inactive_file' : 'total_inactive_file') ?? 0;
    if (usage && /^\d+$/.test(usage)) out.memoryBytes = Math.max(0, Number(usage) - inactive);
  }
  return out;
}
