// Issue 3, test 7: container logs hold both streams with timestamps, keep growing after the CLI
// exits (the monitor writes them, not podrun), and `logs -f` follows. Real pods, as root.
import { expect } from 'chai';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun, PODRUN } from '../helpers/cli';
import { deletePodsAndCheckLeaks, PodSuite, setUpSuite, until, waitFor } from './pod-helpers';

const RFC3339NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /;

describe('logs (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;
  let root = '';
  const children: ChildProcess[] = [];

  const ticks = () => podrun(root, ['logs', 'lg/ticker']).stdout.split('\n').filter((l) => l.startsWith('tick ')).length;

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-logs-', () => {});
    root = s.root;
    const manifest = join(root, 'lg.yaml');
    writeFileSync(
      manifest,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'lg' },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'ticker',
              image: 'busybox:test',
              imagePullPolicy: 'Never',
              // pauses between the streams: the monitor reads two pipes, so only time orders them
              command: ['sh', '-c', 'echo to-stdout; sleep 0.1; echo to-stderr >&2; sleep 0.1; i=0; while true; do i=`expr $i + 1`; echo "tick $i"; sleep 0.2; done'],
            },
            {
              name: 'short',
              image: 'busybox:test',
              imagePullPolicy: 'Never',
              // ends when the test says so (exec touch /tmp/go), so -f is seen following it to the end
              command: ['sh', '-c', 'echo first; while [ ! -f /tmp/go ]; do sleep 0.1; done; printf "last without newline"'],
            },
          ],
        },
      }),
    );
    const r = podrun(root, ['apply', '-f', manifest]);
    expect(r.code, r.stderr).to.equal(0);
  });

  after(function () {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    deletePodsAndCheckLeaks(s, ['lg']);
  });

  it('holds stdout and stderr, in order, on stdout', () => {
    waitFor(() => ticks() >= 2, 20_000, 'two ticks');
    const r = podrun(root, ['logs', 'lg/ticker']);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3)).to.deep.equal(['to-stdout', 'to-stderr', 'tick 1']);
  });

  it('--timestamps prefixes each line with its RFC3339Nano time', () => {
    const lines = podrun(root, ['logs', '--timestamps', '-c', 'ticker', 'lg']).stdout.split('\n').filter(Boolean);
    expect(lines.length).to.be.greaterThan(2);
    for (const l of lines) expect(l).to.match(RFC3339NANO);
    expect(lines[1].replace(RFC3339NANO, '')).to.equal('to-stderr');
  });

  it('keeps growing after the CLI exits', () => {
    const n1 = ticks();
    spawnSync('sleep', ['1.5']);
    expect(ticks()).to.be.greaterThan(n1 + 2);
  });

  it('--tail N prints the last N lines; --since only the recent ones', () => {
    const t = podrun(root, ['logs', 'lg/ticker', '--tail', '2']).stdout.split('\n').filter(Boolean);
    expect(t).to.have.length(2);
    expect(t[0]).to.match(/^tick \d+$/);
    expect(podrun(root, ['logs', 'lg/ticker', '--tail=0']).stdout).to.equal('');
    const start = Date.now();
    const s = podrun(root, ['logs', 'lg/ticker', '--since', '1s', '--timestamps']).stdout.split('\n').filter(Boolean);
    expect(s.length).to.be.greaterThan(0);
    expect(s.length).to.be.lessThan(ticks());
    for (const l of s) expect(Date.parse(l.slice(0, 23) + 'Z')).to.be.greaterThan(start - 1000 - 2000);
    expect(podrun(root, ['logs', 'lg/ticker', '--since', 'soon']).code).to.equal(2);
  });

  it('-f follows new lines until stopped', async () => {
    const child = spawn(PODRUN, ['logs', '-f', 'lg/ticker'], { env: { ...process.env, PODRUN_ROOT: root } });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const last = () => Math.max(0, ...[...out.matchAll(/tick (\d+)\n/g)].map((m) => Number(m[1])));
    await until(() => last() > 0, 10_000);
    const first = last();
    await until(() => last() >= first + 3, 10_000);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(last()).to.be.greaterThan(first + 2);
    expect(out.startsWith('to-stdout\nto-stderr\ntick 1\n')).to.equal(true);
  });

  it('-f ends by itself once the container has ended and the file is drained', async () => {
    const t0 = Date.now();
    const child = spawn(PODRUN, ['logs', '-f', 'lg', '-c', 'short'], { env: { ...process.env, PODRUN_ROOT: root } });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    await until(() => out === 'first\n', 10_000);
    expect(child.exitCode).to.equal(null); // still following
    expect(podrun(root, ['exec', 'lg/short', '--', 'touch', '/tmp/go']).code).to.equal(0);
    const code = await exited;
    expect(code).to.equal(0);
    expect(out).to.equal('first\nlast without newline');
    expect(Date.now() - t0).to.be.lessThan(15_000);
  });

  it("picks the first container when the pod has several (said on stderr, as kubectl); an unknown one is exit 2; -p of a container never restarted says there is no previous one", () => {
    const r = podrun(root, ['logs', 'lg']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('Defaulted container "ticker" out of: ticker, short\n');
    expect(r.stdout).to.equal(podrun(root, ['logs', 'lg/ticker']).stdout.slice(0, r.stdout.length));
    const u = podrun(root, ['logs', 'lg', '-c', 'nope']);
    expect(u.code).to.equal(2);
    expect(u.stderr).to.contain('container "nope" is not in pod "lg"');
    const p = podrun(root, ['logs', '-p', 'lg/ticker']);
    expect(p.code).to.equal(2);
    expect(p.stderr).to.contain('previous terminated container "ticker" in pod "lg" not found');
  });

  it('--all-containers and --prefix, -l SELECTOR (10 lines each by default), --limit-bytes, --since-time', async () => {
    const all = podrun(root, ['logs', 'lg', '--all-containers', '--prefix', '--tail', '1']);
    expect(all.code, all.stderr).to.equal(0);
    expect(all.stdout).to.match(/^\[pod\/lg\/ticker\] tick \d+\n\[pod\/lg\/short\] last without newline$/);
    expect(podrun(root, ['logs', 'lg/ticker', '--limit-bytes', '5']).stdout).to.equal('to-st');
    expect(podrun(root, ['logs', 'lg/ticker', '--since-time', '2999-01-01T00:00:00Z']).stdout).to.equal('');
    expect(podrun(root, ['logs', 'lg/ticker', '--since-time', '2000-01-01T00:00:00Z']).stdout.split('\n')[0]).to.equal('to-stdout');
    expect(podrun(root, ['logs', 'lg/ticker', '--since-time', 'yesterday']).code).to.equal(2);
    expect(podrun(root, ['logs', 'lg/ticker', '--since', '1h', '--since-time', '2000-01-01T00:00:00Z']).code).to.equal(2);
    // two labelled pods: -l takes each one's container, the last 10 lines of each, one pod after the other
    const f = join(root, 'lab.yaml');
    const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'lab' } }, spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox:test', imagePullPolicy: 'Never', command: ['sh', '-c', `seq 1 12 | sed 's/^/${name} /'; sleep 3600`] }] } });
    writeFileSync(f, [pod('lab-a'), pod('lab-b')].map((p) => JSON.stringify(p)).join('\n---\n'));
    expect(podrun(root, ['apply', '-f', f]).code).to.equal(0);
    try {
      await until(() => podrun(root, ['logs', 'lab-b']).stdout.includes('lab-b 12'), 10_000);
      const l = podrun(root, ['logs', '-l', 'app=lab', '--prefix']);
      expect(l.code, l.stderr).to.equal(0);
      const want = (n: string) => Array.from({ length: 10 }, (_, i) => `[pod/${n}/c] ${n} ${i + 3}\n`).join('');
      expect(l.stdout).to.equal(want('lab-a') + want('lab-b'));
      expect(podrun(root, ['logs', '-l', 'app=none']).stderr).to.equal('No resources found in default namespace.\n');
      expect(podrun(root, ['logs', 'lg', '-l', 'app=lab']).code).to.equal(2);
    } finally {
      expect(podrun(root, ['delete', '-f', f, '--now']).code).to.equal(0);
    }
  });

  it('attach: what the container writes from now on (none of what it wrote before); -i to a container without stdin: true is refused, saying so', async () => {
    const child = spawn(PODRUN, ['attach', 'lg', '-c', 'ticker'], { env: { ...process.env, PODRUN_ROOT: root } });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await until(() => /tick \d+/.test(out), 10_000);
    child.kill('SIGINT');
    expect(out).to.not.include('to-stdout'); // written before attach
    podrun(root, ['exec', 'lg/short', '--', 'touch', '/tmp/go']); // ends it (if an earlier test did not)
    await until(() => /"exitCode":\s*0/.test(podrun(root, ['get', 'pod', 'lg', '-o', 'json']).stdout), 10_000);
    const ended = spawnSync(PODRUN, ['attach', 'lg/short'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, PODRUN_ROOT: root } });
    expect([ended.status, ended.stderr.split('\n')[0]]).to.deep.equal([1, 'error: container "short" in pod "lg" is not running (exited with code 0, Completed)']);
    const i = podrun(root, ['attach', '-i', 'lg', '-c', 'ticker']);
    expect([i.code, i.stderr.split('\n')[0]]).to.deep.equal([1, 'error: container "ticker" in pod "lg" does not take stdin']);
  });
});
