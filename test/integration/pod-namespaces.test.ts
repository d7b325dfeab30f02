// Issue 3, tests 1, 2, 3, 5, 11, 12: what the kernel sees of a pod. Container-side facts are read
// from the host through /proc/PID/ns and /proc/PID/root, independent of `podrun exec`.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import {
  containerFile,
  logText,
  nsInode,
  PodSuite,
  podManifest,
  setUpSuite,
  tearDownSuite,
  viewPod,
  waitFor,
  waitStarted,
  writeManifest,
} from './pod-helpers';

const SHM_NAME = `podrun-shm-${process.pid}`;

describe('pod namespaces and sharing (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-pod-ns-');
    const m = writeManifest(
      join(s.root, 'manifests'),
      'shared.yaml',
      podManifest('shared', {
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          {
            name: 'server',
            command: [
              'sh',
              '-c',
              `echo hello-from-httpd > /www/index.html; echo shm-from-server > /dev/shm/${SHM_NAME}; echo changed >> /etc/layer-file; echo written > /data/msg; exec httpd -f -p 127.0.0.1:8080 -h /www`,
            ],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
          {
            name: 'client',
            command: [
              'sh',
              '-c',
              'until wget -qO- http://127.0.0.1:8080/; do sleep 0.2; done; until [ -f /data/msg ]; do sleep 0.1; done; echo "got:$(cat /data/msg)"; exec sleep 3600',
            ],
            volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
          },
        ],
      }),
    );
    const r = s.run(['apply', '-f', m]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/shared created\n');
  });

  after(() => tearDownSuite(s));

  it('1. both containers share the pause net/IPC/UTS namespaces, each has its own mount namespace, and HTTP over 127.0.0.1 works', () => {
    const v = waitStarted(s!.root, 'shared');
    const { server, client } = v.pids;
    for (const ns of ['net', 'ipc', 'uts']) {
      expect(nsInode(server, ns), ns).to.equal(nsInode(v.pausePid, ns));
      expect(nsInode(client, ns), ns).to.equal(nsInode(v.pausePid, ns));
      expect(nsInode(server, ns), ns).to.not.equal(nsInode(process.pid, ns));
    }
    expect(nsInode(server, 'mnt')).to.not.equal(nsInode(client, 'mnt'));
    expect(nsInode(server, 'mnt')).to.not.equal(nsInode(process.pid, 'mnt'));
    waitFor(() => logText(s!.root, 'shared', 'client').includes('stdout F hello-from-httpd'), 60_000, 'wget through the pod loopback');
    expect(containerFile(client, '/etc/hostname')).to.equal('shared\n');
  });

  it('2. an emptyDir written by one container is read by the other, and the host mount table has no bind of it', () => {
    waitFor(() => logText(s!.root, 'shared', 'client').includes('stdout F got:written'), 60_000, 'client reads the emptyDir');
    const volume = join(s!.root, 'pods', 'default_shared', 'volumes', 'data');
    expect(readFileSync(join(volume, 'msg'), 'utf8')).to.equal('written\n');
    const hostMounts = readFileSync('/proc/1/mountinfo', 'utf8');
    expect(hostMounts).to.not.include(volume);
    expect(hostMounts).to.not.include(join(s!.root, 'pods'));
    // and inside the client it is a real mount (read-only there)
    const { client } = viewPod(s!.root, 'shared').pids;
    const inside = readFileSync(`/proc/${client}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/data');
    expect(inside, 'client mountinfo has /data').to.be.a('string');
    expect(inside!.split(' ')[5]).to.match(/(^|,)ro(,|$)/);
  });

  it('3. /dev/shm and SysV IPC objects are pod-wide and not visible on the host', () => {
    const { server, client } = viewPod(s!.root, 'shared').pids;
    waitFor(() => existsSync(`/proc/${server}/root/dev/shm/${SHM_NAME}`), 60_000, 'shm file');
    expect(containerFile(client, `/dev/shm/${SHM_NAME}`)).to.equal('shm-from-server\n');
    expect(existsSync(`/dev/shm/${SHM_NAME}`)).to.equal(false);
    // busybox-static has no ipcmk, so the object is made with the host's ipcmk inside the
    // server's IPC namespace and looked for from the client's and the host's.
    const made = execFileSync('nsenter', [`--ipc=/proc/${server}/ns/ipc`, 'ipcmk', '-M', '4096'], { encoding: 'utf8' });
    const id = /(\d+)/.exec(made)![1];
    const inClient = execFileSync('nsenter', [`--ipc=/proc/${client}/ns/ipc`, 'ipcs', '-m'], { encoding: 'utf8' });
    const row = inClient.split('\n').find((l) => l.split(/\s+/)[1] === id);
    expect(row, `shmid ${id} in the client's IPC namespace`).to.be.a('string');
    const key = row!.split(/\s+/)[0];
    const onHost = execFileSync('ipcs', ['-m'], { encoding: 'utf8' });
    expect(onHost.split('\n').some((l) => l.split(/\s+/)[0] === key && l.split(/\s+/)[1] === id)).to.equal(false);
  });

  it('5. copy-on-write: a file changed in one container changes neither the layer on disk nor the other container', () => {
    const { server, client } = viewPod(s!.root, 'shared').pids;
    waitFor(() => containerFile(server, '/etc/layer-file').includes('changed'), 60_000, 'server writes');
    expect(containerFile(client, '/etc/layer-file')).to.equal('from-the-layer\n');
    const rec = JSON.parse(readFileSync(join(s!.root, 'pods', 'default_shared', 'pod.json'), 'utf8'));
    const layers: string[] = rec.plan.containers[0].image.layerDirs;
    expect(layers.length).to.be.greaterThan(0);
    for (const l of layers) if (existsSync(join(l, 'etc', 'layer-file'))) expect(readFileSync(join(l, 'etc', 'layer-file'), 'utf8')).to.equal('from-the-layer\n');
    expect(readFileSync(join(rec.plan.containers[0].dirs.upper, 'etc', 'layer-file'), 'utf8')).to.equal('from-the-layer\nchanged\n');
  });

  it('11. shareProcessNamespace: containers see each other, PID 1 is pause, and an orphaned zombie is reaped', () => {
    const m = writeManifest(
      join(s!.root, 'manifests'),
      'pidns.yaml',
      podManifest('pidns', {
        shareProcessNamespace: true,
        containers: [
          // once the test says go, the inner sh exits at once: its `sleep 3` is orphaned to PID 1
          // and must be reaped when it ends
          { name: 'a', command: ['sh', '-c', "until [ -f /tmp/go ]; do sleep 0.1; done; sh -c 'sleep 3 &'; exec sleep 3600"] },
          { name: 'b', command: ['sleep', '3600'] },
        ],
      }),
    );
    const r = s!.run(['apply', '-f', m]);
    expect(r.code, r.stderr).to.equal(0);
    const v = waitStarted(s!.root, 'pidns');
    const { a, b } = v.pids;
    expect(nsInode(a, 'pid')).to.equal(nsInode(b, 'pid'));
    expect(nsInode(a, 'pid')).to.equal(nsInode(v.pausePid, 'pid'));
    expect(nsInode(a, 'pid')).to.not.equal(nsInode(process.pid, 'pid'));
    const procOf = (pid: number) => `/proc/${pid}/root/proc`;
    expect(readFileSync(`${procOf(b)}/1/cmdline`, 'utf8')).to.include('pause');
    const nsPidOfA = readFileSync(`/proc/${a}/status`, 'utf8').match(/^NSpid:\s+(.*)$/m)![1].trim().split(/\s+/).pop();
    expect(readdirSync(procOf(b))).to.include(nsPidOfA);
    const inNs = () =>
      readdirSync(procOf(b))
        .filter((n) => /^\d+$/.test(n))
        .map((n) => {
          try {
            const st = readFileSync(`${procOf(b)}/${n}/stat`, 'utf8');
            const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
            return { pid: Number(n), state: f[0], ppid: Number(f[1]), comm: st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')) };
          } catch {
            return undefined;
          }
        })
        .filter((p): p is { pid: number; state: string; ppid: number; comm: string } => !!p);
    writeFileSync(`/proc/${a}/root/tmp/go`, '');
    // the orphan is there, adopted by PID 1 ...
    waitFor(() => inNs().some((p) => p.comm === 'sleep' && p.ppid === 1 && p.pid !== 1), 60_000, 'orphan adopted by pause');
    // ... and once it exits, no zombie remains
    waitFor(() => !inNs().some((p) => p.ppid === 1 && p.comm === 'sleep'), 60_000, 'orphan reaped');
    expect(inNs().filter((p) => p.state === 'Z')).to.deep.equal([]);
    const d = s!.run(['delete', 'pod', 'pidns', '--grace-period', '0']);
    expect(d.code, d.stderr).to.equal(0);
  });

  it("12. hostNetwork: the pod uses the host's network namespace and sees its interfaces", () => {
    const m = writeManifest(
      join(s!.root, 'manifests'),
      'hostnet.yaml',
      podManifest('hostnet', { hostNetwork: true, containers: [{ name: 'c', command: ['sleep', '3600'] }] }),
    );
    const r = s!.run(['apply', '-f', m]);
    expect(r.code, r.stderr).to.equal(0);
    const v = waitStarted(s!.root, 'hostnet');
    expect(nsInode(v.pids.c, 'net')).to.equal(nsInode(process.pid, 'net'));
    const hostIfaces = readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean).sort();
    const podIfaces = readFileSync(`/proc/${v.pids.c}/net/dev`, 'utf8').split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean).sort();
    expect(podIfaces).to.deep.equal(hostIfaces);
    expect(hostIfaces.length).to.be.greaterThan(1);
    // a pod without hostNetwork has only lo
    const shared = viewPod(s!.root, 'shared').pids.server;
    const sharedIfaces = readFileSync(`/proc/${shared}/net/dev`, 'utf8').split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean);
    expect(sharedIfaces).to.deep.equal(['lo']);
    const d = s!.run(['delete', 'pod', 'hostnet', '--grace-period', '0']);
    expect(d.code, d.stderr).to.equal(0);
    spawnSync('true');
  });
});
