// securityContext, field by field, with real pods: what the processes really get (uid, gid,
// groups, capabilities, /proc and /sys, a read-only root, sysctls) as a container sees it, and
// the clear errors for what podrun refuses.
import { expect } from 'chai';
import { appendFileSync, readFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { deletePodsAndCheckLeaks, logText, PodSuite, podManifest, setUpSuite, waitFor, writeManifest } from './pod-helpers';

/** A capability mask as /proc/PID/status prints it. */
const mask = (bits: number[]) => bits.reduce((m, b) => m | (1n << BigInt(b)), 0n).toString(16).padStart(16, '0');
const DEFAULT_CAPS = mask([0, 1, 3, 4, 5, 6, 7, 8, 10, 18, 31]); // podman's 11

describe('pod securityContext (integration)', function () {
  this.timeout(180_000);
  let s: PodSuite | undefined;
  const pods: string[] = [];

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-sec-', (rootfs) => appendFileSync(join(rootfs, 'etc', 'group'), 'extra:x:2000:user\n'));
  });
  after(() => deletePodsAndCheckLeaks(s, pods));

  /** Applies a one-container pod running `script`, then returns what the script printed. */
  function run(name: string, script: string, spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): string {
    pods.push(name);
    const f = writeManifest(
      join(s!.root, 'm'),
      `${name}.yaml`,
      podManifest(name, { restartPolicy: 'Never', ...spec, containers: [{ name: 'c', command: ['sh', '-c', `${script}; echo END`], ...container }] }),
    );
    const r = s!.run(['apply', '-f', f]);
    expect(r.code, r.stderr).to.equal(0);
    return waitFor(() => (/END/.test(logText(s!.root, name, 'c')) ? logText(s!.root, name, 'c') : undefined), 30_000, `${name}'s output`)
      .split('\n')
      .map((l) => l.replace(/^\S+ \S+ [FP] /, ''))
      .join('\n');
  }

  const capLine = (out: string, f: string) => new RegExp(`^${f}:\\s*(\\S+)$`, 'm').exec(out)?.[1];

  it("capabilities: podman's 11 by default, no MKNOD; add, drop and drop ALL as containerd computes them", () => {
    const out = run('caps', 'grep Cap /proc/self/status; mknod /tmp/n c 1 3 && echo MKNOD-OK || echo MKNOD-REFUSED');
    expect(capLine(out, 'CapEff')).to.equal(DEFAULT_CAPS);
    expect(capLine(out, 'CapBnd')).to.equal(DEFAULT_CAPS);
    expect(capLine(out, 'CapInh')).to.equal('0000000000000000');
    expect(capLine(out, 'CapAmb')).to.equal('0000000000000000');
    expect(out).to.match(/MKNOD-REFUSED/);
    const added = run('caps-add', 'grep CapEff /proc/self/status', {}, { securityContext: { capabilities: { add: ['NET_ADMIN', 'CAP_SYS_TIME'], drop: ['KILL'] } } });
    expect(capLine(added, 'CapEff')).to.equal(mask([0, 1, 3, 4, 6, 7, 8, 10, 12, 18, 25, 31]));
    const only = run('caps-only', 'grep CapEff /proc/self/status', {}, { securityContext: { capabilities: { drop: ['ALL'], add: ['CHOWN'] } } });
    expect(capLine(only, 'CapEff')).to.equal(mask([0]));
  });

  it('privileged: every capability, the host devices, no masked paths, a writable /sys', () => {
    const out = run(
      'priv',
      'grep CapEff /proc/self/status; ls /dev | wc -l; wc -c < /proc/timer_list; grep " /sys " /proc/mounts',
      {},
      { securityContext: { privileged: true } },
    );
    // every capability this host can give (this machine has no CAP_SYS_RESOURCE to give)
    expect(capLine(out, 'CapEff')).to.equal(capLine(readFileSync('/proc/self/status', 'utf8'), 'CapBnd'));
    expect(BigInt(`0x${capLine(out, 'CapEff')}`) & BigInt(`0x${mask([21, 12, 27])}`)).to.equal(BigInt(`0x${mask([21, 12, 27])}`));
    const [devs, timers] = out.split('\n').slice(1, 3).map(Number);
    expect(devs).to.be.greaterThan(20);
    expect(timers).to.be.greaterThan(0);
    expect(out).to.match(/ \/sys sysfs rw,/);
  });

  it('readOnlyRootFilesystem: EROFS everywhere in the root, /tmp included; volumes stay writable', () => {
    const out = run(
      'rofs',
      'touch /x 2>&1; touch /tmp/x 2>&1; touch /data/x && echo VOLUME-OK',
      { volumes: [{ name: 'data', emptyDir: {} }] },
      { securityContext: { readOnlyRootFilesystem: true }, volumeMounts: [{ name: 'data', mountPath: '/data' }] },
    );
    expect(out.match(/Read-only file system/g)).to.have.length(2);
    expect(out).to.match(/VOLUME-OK/);
  });

  it('runAsUser, runAsGroup, supplementalGroups and fsGroup: ids, groups, and the emptyDir group with setgid', () => {
    const out = run(
      'ids',
      'id; stat -c "%g %a" /data; touch /data/f; stat -c %g /data/f',
      { securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 2500 }, volumes: [{ name: 'data', emptyDir: {} }] },
      { volumeMounts: [{ name: 'data', mountPath: '/data' }] },
    );
    expect(out).to.match(/^uid=1000\(user\) gid=3000 groups=2000\(extra\),2500,4000$/m);
    expect(out).to.match(/^2500 2777$/m);
    expect(out).to.match(/^2500$/m);
  });

  it('supplementalGroupsPolicy Strict: not the groups the image gives the user', () => {
    const out = run('strict', 'id', { securityContext: { runAsUser: 1000, supplementalGroups: [4000], supplementalGroupsPolicy: 'Strict' } });
    expect(out).to.match(/^uid=1000\(user\) gid=1000\(user\) groups=4000$/m);
  });

  it('runAsNonRoot with a root user: the container is not started (CreateContainerConfigError), the kubelet\'s message', () => {
    pods.push('nonroot');
    const f = writeManifest(
      join(s!.root, 'm'),
      'nonroot.yaml',
      podManifest('nonroot', {
        securityContext: { runAsNonRoot: true },
        containers: [
          { name: 'root', command: ['sleep', '3600'] },
          { name: 'user', command: ['sleep', '3600'], securityContext: { runAsUser: 1000 } },
        ],
      }),
    );
    const r = s!.run(['apply', '-f', f]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/container root: CreateContainerConfigError: container has runAsNonRoot and image will run as root \(pod: "nonroot_default\(.+\)", container: root\)/);
    const pod = JSON.parse(s!.run(['get', 'pod', 'nonroot', '-o', 'json']).stdout);
    expect(pod.status.containerStatuses[0].state.waiting.reason).to.equal('CreateContainerConfigError');
    expect(pod.status.containerStatuses[1].state.running).to.not.equal(undefined);
    expect(s!.run(['get', 'pods', 'nonroot']).stdout).to.match(/nonroot\s+1\/2\s+CreateContainerConfigError/);
  });

  it('sysctls: safe ones set in the pod\'s own namespaces, the host untouched; unsafe ones refused', () => {
    const host = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim();
    const out = run('sysctl', 'cat /proc/sys/net/ipv4/ip_local_port_range /proc/sys/kernel/shm_rmid_forced', {
      securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '20000 30000' }, { name: 'kernel/shm_rmid_forced', value: '1' }] },
    });
    expect(out).to.match(/^20000\s+30000$/m);
    expect(out).to.match(/^1$/m);
    expect(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim()).to.equal(host);
    const f = writeManifest(
      join(s!.root, 'm'),
      'unsafe.yaml',
      podManifest('unsafe', { securityContext: { sysctls: [{ name: 'net.core.somaxconn', value: '1024' }, { name: 'vm.swappiness', value: '1' }] }, containers: [{ name: 'c', command: ['true'] }] }),
    );
    const r = s!.run(['apply', '-f', f]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/spec\.securityContext\.sysctls\[0\]\.name: sysctl "net.core.somaxconn" is not a safe sysctl/);
    expect(r.stderr).to.match(/spec\.securityContext\.sysctls\[1\]\.name: sysctl "vm.swappiness" is not a safe sysctl/);
  });

  it('what podrun cannot honour is an error naming the field: Unmasked /proc without hostUsers false, AppArmor on a host without it', () => {
    const f = writeManifest(
      join(s!.root, 'm'),
      'refused.yaml',
      podManifest('refused', { containers: [{ name: 'c', command: ['true'], securityContext: { procMount: 'Unmasked' } }] }),
    );
    const r = s!.run(['apply', '-f', f]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/spec\.containers\[0\]\.securityContext\.procMount: procMount Unmasked needs `hostUsers: false`/);
    if (!/^Y/.test(readFileSafe('/sys/module/apparmor/parameters/enabled'))) {
      const g = writeManifest(
        join(s!.root, 'm'),
        'apparmor.yaml',
        podManifest('apparmor', { containers: [{ name: 'c', command: ['true'], securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } }] }),
      );
      const a = s!.run(['apply', '-f', g]);
      expect(a.code).to.equal(1);
      expect(a.stderr).to.match(/spec\.containers\[0\]\.securityContext\.appArmorProfile\.type: appArmorProfile RuntimeDefault needs AppArmor, and this host's kernel has none/);
    }
  });
});

function readFileSafe(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}
