// Issue 3, test 8: SIGKILL of every podrun Node process while a pod runs loses nothing: the pod
// keeps running, its logs keep growing, and an exit that happens while no podrun CLI runs is
// reported afterwards. Only processes this test started are killed, by pid.
import { expect } from 'chai';
import { ChildProcess, spawn } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun, PODRUN } from '../helpers/cli';
import { deletePodsAndCheckLeaks, PodSuite, setUpSuite, sleep, until } from './pod-helpers';

function podYaml(name: string, containers: object[]): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers },
  });
}

describe('surviving SIGKILL of podrun (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;
  let root = '';
  const children: ChildProcess[] = [];
  const start = (args: string[]) => {
    const c = spawn(PODRUN, args, { env: { ...process.env, PODRUN_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(c);
    return c;
  };

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-survive-', () => {});
    root = s.root;
  });

  after(function () {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // the killed apply may or may not have got as far as recording `other`
    deletePodsAndCheckLeaks(s, ['sv'], ['other']);
  });

  it('keeps the pod, its logs and its exit records when podrun processes are SIGKILLed', async () => {
    const sv = join(root, 'sv.yaml');
    writeFileSync(
      sv,
      podYaml('sv', [
        {
          name: 'ticker',
          image: 'busybox:test',
          imagePullPolicy: 'Never',
          command: ['sh', '-c', 'i=0; while true; do i=`expr $i + 1`; echo "tick $i"; sleep 0.2; done'],
        },
        { name: 'quitter', image: 'busybox:test', imagePullPolicy: 'Never', command: ['sh', '-c', 'sleep 3; echo bye; exit 5'] },
      ]),
    );
    const other = join(root, 'other.yaml');
    writeFileSync(other, podYaml('other', [{ name: 'c', image: 'busybox:test', imagePullPolicy: 'Never', command: ['sleep', '3600'] }]));

    const a = podrun(root, ['apply', '-f', sv]);
    expect(a.code, a.stderr).to.equal(0);

    // A follower and an apply of another pod, SIGKILLed mid-way.
    const follow = start(['logs', '-f', 'sv/ticker']);
    let followed = '';
    follow.stdout!.on('data', (d) => (followed += d));
    await until(() => followed.includes('tick 2\n'), 10_000);
    const apply = start(['apply', '-f', other]);
    // ~120 ms is mid-way through an apply here (it takes ~180 ms); a faster one may be done.
    await sleep(120);
    for (const c of [follow, apply]) {
      const exited = new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)));
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await exited;
    }
    const ticksAfterKill = count(podrun(root, ['logs', 'sv/ticker']).stdout);

    // No podrun process runs while `quitter` exits (it sleeps 3 s from apply).
    await sleep(4000);

    const g = podrun(root, ['get', 'pod', 'sv', '-o', 'json']);
    expect(g.code, g.stderr).to.equal(0);
    const statuses = (JSON.parse(g.stdout) as { status: { containerStatuses: { name: string; state: Record<string, { exitCode?: number }> }[] } })
      .status.containerStatuses;
    const byName = Object.fromEntries(statuses.map((s) => [s.name, s.state]));
    expect(byName.quitter.terminated?.exitCode).to.equal(5);
    expect(byName.ticker).to.have.property('running');
    expect(podrun(root, ['logs', 'sv/quitter']).stdout).to.equal('bye\n');
    expect(count(podrun(root, ['logs', 'sv/ticker']).stdout)).to.be.greaterThan(ticksAfterKill + 5);
    expect(podrun(root, ['exec', 'sv/ticker', '--', 'true']).code).to.equal(0);
  });
});

const count = (s: string) => s.split('\n').filter((l) => l.startsWith('tick ')).length;
