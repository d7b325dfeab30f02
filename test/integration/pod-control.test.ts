// Review 13: the pod monitor's control socket (docs/protocol.md, "The control socket") under
// requests a client may send. Each test failed before its fix.
import { expect } from 'chai';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { control, PodSuite, podManifest, setUpSuite, sleep, tearDownSuite, waitStarted, writeManifest } from './pod-helpers';

describe('the control socket (integration)', function () {
  this.timeout(300_000);
  let s: PodSuite | undefined;

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-control-');
  });

  after(() => tearDownSuite(s));

  it('1. `stop GRACE` with a grace near the int64 limit waits (it overflowed the machine\'s deadline: the container was SIGKILLed after the 2 s minimum)', async () => {
    const f = writeManifest(
      join(s!.root, 'manifests'),
      'huge-grace.yaml',
      podManifest('huge-grace', { containers: [{ name: 'a', command: ['sh', '-c', 'trap "echo TERM" TERM; while :; do sleep 0.2; done'] }] }),
    );
    expect(s!.run(['apply', '-f', f]).code).to.equal(0);
    const pid = waitStarted(s!.root, 'huge-grace').pids.a;
    const sock = join(s!.root, 'pods', 'default_huge-grace', 'control.sock');
    const stop = control(sock, 'stop 9223372036854775000', 4000);
    await sleep(3500);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    expect(alive, 'the container was killed within its grace').to.equal(true);
    expect(await stop).to.equal('timeout');
    expect(await control(sock, 'stop 0', 10_000)).to.equal('ok stopped\n');
    expect(s!.run(['delete', 'pod', 'huge-grace', '--now']).code).to.equal(0);
  });
});
