// Review 13: what a sibling holding a copy of a starting container's sync socket (SYS_PTRACE,
// shareProcessNamespace, hostUsers: true: pidfd_getfd on the container's process before its
// execve) can still do to the monitor's non-blocking start (addon/src/container.c, recv_sync and
// take_sync). The sibling's timing is made certain by test/fixtures/c/syncforge.c on the host, as
// test 12 of pod-escapes makes it with a freeze: the victim's setup is frozen before the apply,
// the harness holds the intermediate at its `pid N` (ptrace), stops the monitor for a moment (a
// monitor busy elsewhere), forges from its own pid, and lets both run on. Each test failed
// before its fix.
import { expect } from 'chai';
import { spawn } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { haveCompiler, staticProgram } from '../helpers/static-c';
import { detectCgroups } from '../../src/runtime/cgroup/detect';
import { driverFor, makeCgroupDirs } from '../../src/runtime/cgroup/driver';
import { planCgroups } from '../../src/plan/cgroup';
import { control, PodSuite, podManifest, podrunAsync, setUpSuite, tearDownSuite, until, viewPod, writeManifest } from './pod-helpers';

describe('the start sync under forged messages (integration)', function () {
  this.timeout(600_000);
  let s: PodSuite | undefined;
  let forge = '';

  before(function () {
    if (!isRoot() || !haveBusybox() || !haveCompiler()) this.skip();
    if (detectCgroups().driver === 'none') this.skip();
    s = setUpSuite('podrun-forge-');
    forge = staticProgram('syncforge');
  });

  after(() => tearDownSuite(s));

  /** Applies pod NAME (a sleeper and the victim `late`, shared PID namespace) with syncforge MODE
   * on late's start; resolves with the apply, the harness's output and a check run meanwhile. */
  async function forged(name: string, mode: string, meanwhile: (sock: string) => Promise<string> = async () => '') {
    const cgroups = detectCgroups();
    const late = planCgroups(cgroups, { root: s!.root }, `default_${name}`, ['first', 'late']).containers.late;
    makeCgroupDirs(late);
    const driver = driverFor(late);
    driver.setFrozen(late, true);
    const harness = spawn(forge, [mode, join(driver.freezerDir(late), 'cgroup.procs'), '8'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    harness.stdout.on('data', (d) => (out += d.toString()));
    const harnessDone = new Promise<void>((res) => harness.on('close', () => res()));
    const f = writeManifest(
      join(s!.root, 'manifests'),
      `${name}.yaml`,
      podManifest(name, {
        shareProcessNamespace: true,
        containers: [
          { name: 'first', command: ['sleep', '3600'] },
          { name: 'late', command: ['sleep', '3600'] },
        ],
      }),
    );
    const apply = podrunAsync(s!.root, ['apply', '-f', f]);
    let check = '';
    try {
      await until(() => /^seized /m.test(out) || /^error /m.test(out), 60_000);
    } finally {
      driver.setFrozen(late, false);
    }
    await until(() => /^continued /m.test(out) || /^error /m.test(out), 60_000);
    check = await meanwhile(join(s!.root, 'pods', `default_${name}`, 'control.sock'));
    const r = await apply;
    await harnessDone;
    return { apply: r, out, check };
  }

  function lateState(name: string): any {
    const v = viewPod(s!.root, name);
    return v.json.status.containerStatuses.find((c: any) => c.name === 'late');
  }

  function deletePod(name: string): void {
    expect(s!.run(['delete', 'pod', name, '--now']).code).to.equal(0);
  }

  it('1. a zero-length message from another process is no EOF: the start goes on (it failed as "start recvmsg EPROTO (no container pid)", the container\'s process left to its EOF)', async () => {
    const r = await forged('forge-empty', 'empty');
    expect(r.out, r.out).to.match(/^forged empty 0$/m);
    expect(r.apply.code, r.apply.stderr + r.out).to.equal(0);
    const late = lateState('forge-empty');
    expect(late.state.running, JSON.stringify(late)).to.be.an('object');
    expect(late.restartCount).to.equal(0);
    deletePod('forge-empty');
  });

  it('2. a flood of foreign messages before `pid N` delays the start, never fails it (past 128 dropped the queue read as empty: the same EPROTO)', async () => {
    const r = await forged('forge-flood', 'flood');
    expect(r.out, r.out).to.match(/^forged flood 200$/m);
    expect(r.apply.code, r.apply.stderr + r.out).to.equal(0);
    const late = lateState('forge-flood');
    expect(late.state.running, JSON.stringify(late)).to.be.an('object');
    expect(late.restartCount).to.equal(0);
    deletePod('forge-flood');
  });

  it('3. a foreign fd whose close lingers (a TCP socket, SO_LINGER, its peer not reading) does not hold the monitor (it hung in close for as long as the peer held out)', async () => {
    const t0 = Date.now();
    const r = await forged('forge-linger', 'linger', (sock) => control(sock, 'status', 3000));
    expect(r.out, r.out).to.match(/^queued \d+ KiB$/m);
    expect(r.check, `${r.out}\nstatus after ${Date.now() - t0} ms`).to.match(/^ok \{/);
    expect(r.apply.code, r.apply.stderr + r.out).to.equal(0);
    const late = lateState('forge-linger');
    expect(late.state.running, JSON.stringify(late)).to.be.an('object');
    // The monitor did not log the foreign fd as anything but dropped.
    const log = readFileSync(join(s!.root, 'pods', 'default_forge-linger', 'monitor.log'), 'utf8');
    expect(log).to.not.match(/late.*step=/);
    deletePod('forge-linger');
  });

  it('4. while a start is held, the orphans a hostPID container leaves are still reaped (none was: they piled up as zombies of the monitor for up to the 120 s start deadline, thousands a second with a restart loop, from the host\'s pids)', async () => {
    const name = 'orphans';
    const cgroups = detectCgroups();
    const late = planCgroups(cgroups, { root: s!.root }, `default_${name}`, ['maker', 'late']).containers.late;
    makeCgroupDirs(late);
    const driver = driverFor(late);
    driver.setFrozen(late, true);
    const f = writeManifest(
      join(s!.root, 'manifests'),
      `${name}.yaml`,
      podManifest(name, {
        hostPID: true,
        containers: [
          // 50 orphans a second: each `( ... &)` child is left to the nearest subreaper, the monitor
          { name: 'maker', command: ['sh', '-c', 'while :; do (true &); sleep 0.02; done'] },
          { name: 'late', command: ['sleep', '3600'] },
        ],
      }),
    );
    const apply = podrunAsync(s!.root, ['apply', '-f', f]);
    const zombies: number[] = [];
    try {
      const mon = join(s!.root, 'pods', `default_${name}`, 'monitor.json');
      await until(() => {
        try {
          return JSON.parse(readFileSync(mon, 'utf8')).pid > 0;
        } catch {
          return false;
        }
      }, 60_000);
      const pid = JSON.parse(readFileSync(mon, 'utf8')).pid as number;
      // `late` stays in its setup (frozen: a start held, as a slow setup or a freeze holds it)
      for (let k = 0; k < 6; k++) {
        await new Promise((r) => setTimeout(r, 500));
        const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
        zombies.push(
          kids.filter((c) => {
            try {
              return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${c}/stat`, 'utf8'));
            } catch {
              return false;
            }
          }).length,
        );
      }
    } finally {
      driver.setFrozen(late, false);
    }
    const r = await apply;
    expect(r.code, r.stderr).to.equal(0);
    // Before the fix: 0, 20, 45, 70, ... zombies in 3 s. Now only what exited since the last SIGCHLD.
    expect(Math.max(...zombies), zombies.join(' ')).to.be.at.most(5);
    deletePod(name);
  });
});
