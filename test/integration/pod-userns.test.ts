// hostUsers: false with real pods: each pod's own user namespace (uid_map and gid_map, disjoint
// ranges recorded in the host-wide registry and freed on delete, disjoint across podrun roots too,
// also when the registry is lost while pods run), image files with their image
// owners, volumes idmapped as Kubernetes does (what the pod writes is stored with its container
// ids), capabilities that count only inside, procMount Unmasked, exec in the user namespace, and
// the clear errors: no range left, a filesystem without idmapped mounts.
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { CliResult, isRoot, podrun, PODRUN } from '../helpers/cli';
import { deletePod, deletePodsAndCheckLeaks, logText, PodSuite, podManifest, setUpSuite, viewPod, waitFor, waitStarted, writeManifest } from './pod-helpers';

const procStatus = (pid: number, field: string) => new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1].split(/\s+/) ?? [];
const mapLine = (text: string) => text.trim().split(/\s+/).map(Number);
/** The registry every podrun root on the host shares (state/userns.ts), unless PODRUN_USERNS_DIR moves it. */
const HOST_REGISTRY = '/run/podrun/userns/allocations.json';
/** The host ids a process's user namespace maps, as the kernel says: [start, length] of uid_map and of gid_map. */
const hostMaps = (pid: number) => ['uid_map', 'gid_map'].map((f) => mapLine(readFileSync(`/proc/${pid}/${f}`, 'utf8')).slice(1));
const disjoint = (a: number[], b: number[]) => a[0] + a[1] <= b[0] || b[0] + b[1] <= a[0];

function podrunAsync(root: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const c = spawn(PODRUN, args, { env: { ...process.env, PODRUN_ROOT: root, ...env } });
    let [stdout, stderr] = ['', ''];
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('pod hostUsers: false (integration)', function () {
  this.timeout(240_000);
  let s: PodSuite | undefined;
  const pods: string[] = [];
  let hostDir = '';

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-userns-');
    // outside the root: podrun never gives a pod its own state
    hostDir = mkdtempSync(join(tmpdir(), 'podrun-userns-host-'));
    chmodSync(hostDir, 0o777);
    writeFileSync(join(hostDir, 'owned-by-1234'), 'x');
    chownSync(join(hostDir, 'owned-by-1234'), 1234, 1234);
  });
  after(() => {
    try {
      deletePodsAndCheckLeaks(s, pods);
    } finally {
      if (hostDir) rmSync(hostDir, { recursive: true, force: true });
    }
  });

  const allocations = (file = HOST_REGISTRY, root = s!.root) => {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')).roots[root]?.pods ?? {}) as Record<string, { hostId: number; length: number }>;
    } catch {
      return {};
    }
  };

  /** Deletes a pod the test is done with (the teardown deletes the rest). */
  const remove = (name: string) => {
    expect(deletePod(s!.root, name).code).to.equal(0);
    if (pods.includes(name)) pods.splice(pods.indexOf(name), 1);
  };

  function apply(name: string, spec: Record<string, unknown>, env: Record<string, string> = {}) {
    if (!pods.includes(name)) pods.push(name);
    const f = writeManifest(join(s!.root, 'm'), `${name}.yaml`, podManifest(name, { restartPolicy: 'Never', ...spec }));
    return podrun(s!.root, ['apply', '-f', f], { env });
  }

  /** A pod with one container running `script` then sleeping; returns its output once END is printed. */
  function run(name: string, script: string, spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): string {
    const r = apply(name, { hostUsers: false, ...spec, containers: [{ name: 'c', command: ['sh', '-c', `${script}; echo END; exec sleep 1000`], ...container }] });
    expect(r.code, r.stderr).to.equal(0);
    return waitFor(() => (/END/.test(logText(s!.root, name, 'c')) ? logText(s!.root, name, 'c') : undefined), 30_000, `${name}'s output`)
      .split('\n')
      .map((l) => l.replace(/^\S+ \S+ [FP] /, ''))
      .join('\n');
  }

  it("maps the pod's 65536 ids to a range of its own: uid_map, gid_map, id, the image's owners, host ids of the processes", () => {
    const out = run('one', 'cat /proc/self/uid_map /proc/self/gid_map; id; ls -ln /bin/busybox /etc/passwd; stat -c "%u:%g" /; httpd -p 80 -h /www && echo BIND-80-OK');
    const { hostId, length } = allocations().default_one;
    expect(length).to.equal(65536);
    expect(hostId % 65536).to.equal(0);
    expect(hostId).to.be.at.least(65536); // host root's ids are never a pod's
    const [uidMap, gidMap] = out.split('\n').slice(0, 2).map(mapLine);
    expect(uidMap).to.deep.equal([0, hostId, 65536]);
    expect(gidMap).to.deep.equal([0, hostId, 65536]);
    expect(out).to.match(/^uid=0\(root\) gid=0\(root\)/m);
    // image files keep their image owners (root); the shared layer on disk is untouched
    expect(out).to.match(/^-rwxr-xr-x\s+1 0\s+0\s+\d+ .* \/bin\/busybox$/m);
    expect(out).to.match(/^-rw-r--r--\s+1 0\s+0\s+\d+ .* \/etc\/passwd$/m);
    expect(out).to.match(/^0:0$/m);
    const v = viewPod(s!.root, 'one');
    const rec = JSON.parse(readFileSync(join(s!.root, 'pods', 'default_one', 'pod.json'), 'utf8'));
    expect(rec.plan.userNamespace).to.deep.equal({ hostId, length: 65536 });
    // on the host, container root is an unprivileged uid of the pod's range, and so is the pause
    expect(procStatus(v.pids.c, 'Uid')).to.deep.equal(Array(4).fill(String(hostId)));
    expect(procStatus(v.pids.c, 'Gid')).to.deep.equal(Array(4).fill(String(hostId)));
    expect(procStatus(v.pausePid, 'Uid')).to.deep.equal(Array(4).fill(String(hostId + 65535)));
    expect(readlinkSync(`/proc/${v.pids.c}/ns/user`)).to.not.equal(readlinkSync('/proc/self/ns/user'));
    expect(readlinkSync(`/proc/${v.pids.c}/ns/user`)).to.equal(readlinkSync(`/proc/${v.pausePid}/ns/user`));
    // the network namespace is the pod user namespace's: its root binds port 80 there
    expect(out).to.match(/^BIND-80-OK$/m);
    const layerDir = rec.plan.containers[0].image.layerDirs[0];
    expect(statSync(join(layerDir, 'bin', 'busybox')).uid).to.equal(0);
  });

  it('two pods get disjoint ranges, each its own user namespace', () => {
    run('two', 'true');
    const a = allocations();
    expect(a.default_one.hostId).to.not.equal(a.default_two.hostId);
    expect(Math.abs(a.default_one.hostId - a.default_two.hostId)).to.be.at.least(65536);
    const [p1, p2] = [viewPod(s!.root, 'one').pids.c, viewPod(s!.root, 'two').pids.c];
    expect(readlinkSync(`/proc/${p1}/ns/user`)).to.not.equal(readlinkSync(`/proc/${p2}/ns/user`));
    const d = s!.run(['describe', 'pod', 'two']);
    expect(d.stdout).to.include(`User Namespace:   uids and gids 0-65535 are host ${a.default_two.hostId}-${a.default_two.hostId + 65535}\n`);
    expect(mapLine(readFileSync(`/proc/${p2}/uid_map`, 'utf8'))).to.deep.equal([0, a.default_two.hostId, 65536]);
  });

  it('volumes are idmapped (as Kubernetes does): host owners show inside, files the pod writes are stored with its container ids', () => {
    pods.push('vols');
    const write = (who: string) => `echo ${who} > /scratch/by-${who}; echo ${who} > /data/by-${who}; touch /tmp/rootfs-${who}; echo END; exec sleep 1000`;
    const mounts = [{ name: 'scratch', mountPath: '/scratch' }, { name: 'data', mountPath: '/data' }];
    const f = writeManifest(
      join(s!.root, 'm'),
      'vols.yaml',
      podManifest('vols', {
        hostUsers: false,
        volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'data', hostPath: { path: hostDir } }],
        containers: [
          { name: 'root', command: ['sh', '-c', `ls -ln /data/owned-by-1234; stat -c "%u:%g %a" /scratch; ${write('root')}`], volumeMounts: mounts },
          { name: 'user', command: ['sh', '-c', write('user')], volumeMounts: mounts, securityContext: { runAsUser: 1000, runAsGroup: 1000 } },
        ],
      }),
    );
    const r = s!.run(['apply', '-f', f]);
    expect(r.code, r.stderr).to.equal(0);
    const out = waitFor(() => (/END/.test(logText(s!.root, 'vols', 'root')) ? logText(s!.root, 'vols', 'root') : undefined), 30_000, 'output');
    waitFor(() => /END/.test(logText(s!.root, 'vols', 'user')), 30_000, 'output');
    expect(out).to.match(/-rw-r--r--\s+1 1234\s+1234 .*owned-by-1234$/m);
    expect(out).to.match(/ 0:0 777$/m);
    const emptyDir = join(s!.root, 'pods', 'default_vols', 'volumes', 'scratch');
    const owner = (p: string) => `${statSync(p).uid}:${statSync(p).gid}`;
    expect(owner(join(emptyDir, 'by-root'))).to.equal('0:0');
    expect(owner(join(hostDir, 'by-root'))).to.equal('0:0');
    expect(owner(join(emptyDir, 'by-user'))).to.equal('1000:1000');
    expect(owner(join(hostDir, 'by-user'))).to.equal('1000:1000');
    // the containers' upper dirs hold container ids too (what `commit` turns into a layer)
    const upper = (c: string) => join(s!.root, 'pods', 'default_vols', 'containers', c, 'upper');
    expect(owner(join(upper('root'), 'tmp', 'rootfs-root'))).to.equal('0:0');
    expect(owner(join(upper('user'), 'tmp', 'rootfs-user'))).to.equal('1000:1000');
    // the set-up's SECBIT_NO_SETUID_FIXUP is gone with the user namespace: a non-root user keeps no capability
    const userPid = viewPod(s!.root, 'vols').pids.user;
    expect(procStatus(userPid, 'CapEff')).to.deep.equal(['0000000000000000']);
    expect(procStatus(userPid, 'Uid')[0]).to.equal(String(allocations().default_vols.hostId + 1000));
  });

  it('capabilities count only inside: MKNOD makes a device node with hostUsers true, EPERM with hostUsers false', () => {
    const caps = { securityContext: { capabilities: { add: ['MKNOD'] } } };
    const script = 'grep CapEff /proc/self/status; mknod /tmp/null c 1 3 && echo MKNOD-OK || echo MKNOD-REFUSED';
    const inside = run('caps-userns', script, {}, caps);
    const r = apply('caps-host', { containers: [{ name: 'c', command: ['sh', '-c', `${script}; echo END`], ...caps }] });
    expect(r.code, r.stderr).to.equal(0);
    const host = waitFor(() => (/END/.test(logText(s!.root, 'caps-host', 'c')) ? logText(s!.root, 'caps-host', 'c') : undefined), 30_000, 'output');
    const capEff = (t: string) => /CapEff:\s*(\S+)/.exec(t)?.[1];
    expect(capEff(inside)).to.equal(capEff(host)); // the same set, MKNOD (27) in it
    expect(BigInt(`0x${capEff(inside)}`) & (1n << 27n)).to.equal(1n << 27n);
    expect(host).to.match(/MKNOD-OK/);
    expect(inside).to.match(/Operation not permitted/);
    expect(inside).to.match(/MKNOD-REFUSED/);
  });

  it('procMount Unmasked: /proc without the masked and read-only paths; Default keeps them', () => {
    const script = 'wc -c < /proc/interrupts; grep -c -E " /proc/(sys|interrupts|kcore) " /proc/mounts';
    const unmasked = run('unmasked', script, {}, { securityContext: { procMount: 'Unmasked' } }).split('\n');
    expect(Number(unmasked[0])).to.be.greaterThan(0);
    expect(unmasked[1]).to.equal('0');
    const masked = run('masked', script).split('\n');
    expect(Number(masked[0])).to.equal(0);
    expect(Number(masked[1])).to.be.at.least(2); // /proc/sys read-only, /proc/interrupts hidden (and /proc/kcore where the kernel has it)
  });

  it('podrun exec joins the user namespace: same maps, same namespace, root of the pod', () => {
    const v = waitStarted(s!.root, 'one');
    const r = podrun(s!.root, ['exec', 'one', '--', 'sh', '-c', 'cat /proc/self/uid_map; readlink /proc/self/ns/user; id -u; touch /from-exec; stat -c %u /from-exec']);
    expect(r.code, r.stderr).to.equal(0);
    const [map, ns, uid, owner] = r.stdout.trim().split('\n');
    expect(mapLine(map)).to.deep.equal([0, allocations().default_one.hostId, 65536]);
    expect(ns).to.equal(readlinkSync(`/proc/${v.pids.c}/ns/user`));
    expect(uid).to.equal('0');
    expect(owner).to.equal('0');
  });

  it('a re-apply keeps the range; delete frees it', () => {
    const before = allocations().default_two.hostId;
    const r = apply('two', { hostUsers: false, containers: [{ name: 'c', command: ['sh', '-c', 'echo again; sleep 1000'] }] });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/configured/);
    expect(allocations().default_two.hostId).to.equal(before);
    remove('two');
    expect(allocations()).to.not.have.property('default_two');
    // and a pod that turns hostUsers back on gives its range up
    expect(apply('two', { containers: [{ name: 'c', command: ['true'] }] }).code).to.equal(0);
    expect(allocations()).to.not.have.property('default_two');
  });

  it('pods of two podrun roots get disjoint ranges, also when both roots apply at the same instant (the kernel\'s uid_maps)', async () => {
    const b = setUpSuite('podrun-userns-b-');
    const bPods: string[] = [];
    const manifest = (root: string, name: string) =>
      writeManifest(join(root, 'm-race'), `${name}.yaml`, podManifest(name, { hostUsers: false, restartPolicy: 'Never', containers: [{ name: 'c', command: ['sleep', '1000'] }] }));
    try {
      // one pod of root A runs; root B's first pod once had the same lowest slot (the allocation was per root)
      bPods.push('other');
      const r = podrun(b.root, ['apply', '-f', manifest(b.root, 'other')]);
      expect(r.code, r.stderr).to.equal(0);
      const one = hostMaps(waitStarted(s!.root, 'one').pids.c);
      const other = hostMaps(waitStarted(b.root, 'other').pids.c);
      for (const i of [0, 1]) expect(disjoint(one[i], other[i]), `one ${one[i]} other ${other[i]}`).to.equal(true);
      // both roots at once, two pods each: between a slot's reservation and its uid_map only the
      // host-wide registry can keep the other root off it
      for (const n of ['race-1', 'race-2']) {
        manifest(s!.root, n);
        manifest(b.root, n);
        pods.push(n);
        bPods.push(n);
      }
      const [ra, rb] = await Promise.all([podrunAsync(s!.root, ['apply', '-f', join(s!.root, 'm-race')]), podrunAsync(b.root, ['apply', '-f', join(b.root, 'm-race')])]);
      expect(ra.code, ra.stderr).to.equal(0);
      expect(rb.code, rb.stderr).to.equal(0);
      const maps = [
        ...['one', 'race-1', 'race-2'].map((n) => ({ n: `a/${n}`, m: hostMaps(waitStarted(s!.root, n).pids.c) })),
        ...bPods.map((n) => ({ n: `b/${n}`, m: hostMaps(waitStarted(b.root, n).pids.c) })),
      ];
      for (const x of maps) for (const y of maps) if (x !== y) for (const i of [0, 1]) expect(disjoint(x.m[i], y.m[i]), `${x.n} ${x.m[i]} and ${y.n} ${y.m[i]}`).to.equal(true);
      // and the registry says what the kernel says
      expect(allocations(HOST_REGISTRY, b.root).default_other.hostId).to.equal(other[0][0]);
      for (const n of ['race-1', 'race-2']) remove(n);
    } finally {
      deletePodsAndCheckLeaks(b, bPods);
    }
    expect(allocations(HOST_REGISTRY, b.root)).to.deep.equal({});
  });

  it('a registry lost or corrupted while pods run: the next pods get ranges no running pod has, with a warning; a running pod keeps its range', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podrun-userns-registry-')); // private: the other roots on this host keep the shared one
    const env = { PODRUN_USERNS_DIR: dir };
    const file = join(dir, 'allocations.json');
    const names = ['keep', 'after-corrupt', 'after-loss'];
    const sleeper = (name: string, cmd = 'sleep 1000') => apply(name, { hostUsers: false, containers: [{ name: 'c', command: ['sh', '-c', cmd] }] }, env);
    try {
      expect(sleeper('keep').code).to.equal(0);
      const running = () => ['one', ...names].filter((n) => existsSync(join(s!.root, 'pods', `default_${n}`))).map((n) => ({ n, m: hostMaps(waitStarted(s!.root, n).pids.c) }));
      const keep = hostMaps(waitStarted(s!.root, 'keep').pids.c);
      const clear = (name: string) => {
        const mine = hostMaps(waitStarted(s!.root, name).pids.c);
        for (const o of running()) if (o.n !== name) for (const i of [0, 1]) expect(disjoint(mine[i], o.m[i]), `${name} ${mine[i]} and ${o.n} ${o.m[i]}`).to.equal(true);
      };
      writeFileSync(file, '{"version":1,"roots":');
      const r1 = sleeper('after-corrupt');
      expect(r1.code, r1.stderr).to.equal(0);
      expect(r1.stderr).to.match(/warning: .*allocations\.json could not be read \(not JSON[^\n]*\): rebuilt from the pod records of \S+ \(\d+ ranges\) and the user namespaces running on the host/);
      clear('after-corrupt');
      rmSync(file);
      const r2 = sleeper('after-loss');
      expect(r2.code, r2.stderr).to.equal(0);
      expect(r2.stderr).to.match(/warning: .*allocations\.json was missing: rebuilt from the pod records/);
      clear('after-loss');
      // the rebuilt registry has the running pods' ranges (their records, checked against their own namespaces)
      expect(allocations(file).default_keep.hostId).to.equal(keep[0][0]);
      expect(allocations(file).default_one.hostId).to.equal(allocations().default_one.hostId);
      const again = sleeper('keep', 'echo again; sleep 1000');
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.match(/configured/);
      expect(again.stderr).to.not.match(/warn/);
      expect(hostMaps(waitStarted(s!.root, 'keep').pids.c)).to.deep.equal(keep);
      for (const n of names) {
        expect(podrun(s!.root, ['delete', 'pod', n, '--now'], { env }).code).to.equal(0);
        pods.splice(pods.indexOf(n), 1);
      }
      for (const n of names) expect(allocations(file)).to.not.have.property(`default_${n}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('dry run shows the range the pod would get, reserving nothing', () => {
    const f = writeManifest(join(s!.root, 'm'), 'dry.yaml', podManifest('dry', { hostUsers: false, containers: [{ name: 'c', command: ['true'] }] }));
    const r = podrun(s!.root, ['apply', '--dry-run', '-o', 'json', '-f', f]);
    expect(r.code, r.stderr).to.equal(0);
    const plan = JSON.parse(r.stdout);
    const shown = (plan.items ?? [plan])[0].userNamespace ?? (plan.items ?? [plan])[0].plan?.userNamespace;
    expect(shown.length).to.equal(65536);
    expect(Object.values(allocations()).map((a) => a.hostId)).to.not.include(shown.hostId);
    expect(allocations()).to.not.have.property('default_dry');
  });

  it('no range left: a clear error at spec.hostUsers, nothing created; a freed range is used again', () => {
    const env = { PODRUN_USERNS_RANGE: `${allocations().default_one.hostId}:131072` }; // two slots, one taken by pod one
    expect(apply('full-a', { hostUsers: false, containers: [{ name: 'c', command: ['sleep', '1000'] }] }, env).code).to.equal(0);
    const r = apply('full-b', { hostUsers: false, containers: [{ name: 'c', command: ['sleep', '1000'] }] }, env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/full-b\.yaml:\d+: spec\.hostUsers: no user namespace for the pod: all 2 ranges of 65536 host ids from \d+ \(PODRUN_USERNS_RANGE\) are taken/);
    expect(existsSync(join(s!.root, 'pods', 'default_full-b'))).to.equal(false);
    expect(allocations()).to.not.have.property('default_full-b');
    remove('full-a');
    const again = apply('full-b', { hostUsers: false, containers: [{ name: 'c', command: ['sleep', '1000'] }] }, env);
    expect(again.code, again.stderr).to.equal(0);
    remove('full-b');
  });

  it('a volume on a filesystem without idmapped mounts (ramfs) is an apply error naming the volume and its field', () => {
    const ram = join(hostDir, 'ramfs');
    mkdirSync(ram);
    expect(spawnSync('mount', ['-t', 'ramfs', 'none', ram]).status).to.equal(0);
    try {
      const r = apply('ram', { hostUsers: false, volumes: [{ name: 'mem', hostPath: { path: ram } }], containers: [{ name: 'c', command: ['true'], volumeMounts: [{ name: 'mem', mountPath: '/mem' }] }] });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/ram\.yaml:\d+: spec\.volumes\[0\]\.hostPath: volume "mem" \(hostPath .*ramfs, mounted by container c at \/mem\): its filesystem does not support idmapped mounts, which `hostUsers: false` needs/);
      remove('ram');
    } finally {
      spawnSync('umount', [ram]);
      rmSync(ram, { recursive: true, force: true });
    }
  });
});
