// How the benchmarks run podman on this kind of host: no systemd and hybrid cgroups v1 (cgroupfs,
// file events, and runc: Debian's crun refuses hybrid cgroups), and no CAP_SYS_RESOURCE (podman's
// default ulimits, nofile 1048576 and nproc max, cannot be set: a containers.conf lowers them).
import { writeFileSync } from 'fs';
import { join } from 'path';

export const PODMAN_GLOBAL = ['--cgroup-manager=cgroupfs', '--events-backend=file', '--runtime', 'runc'];

/** Writes the containers.conf with modest ulimits into WORK; its path, for CONTAINERS_CONF. */
export function podmanConf(work: string): string {
  const file = join(work, 'containers.conf');
  writeFileSync(file, '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n');
  return file;
}
