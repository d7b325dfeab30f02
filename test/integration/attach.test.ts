// podrun attach -i / -it with real pods (kubectl attach's): your input goes to the container's
// own stdin, which its monitor holds (`stdin: true`) and passes over the control socket to
// podrun-helper attach-stdin; with `tty: true`, your terminal is the container's (raw, its size
// set). The container's stdin stays open when the attach ends (no stdinOnce), and a second attach
// reaches the same process.
import { expect } from 'chai';
import { spawn } from 'child_process';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { haveScript, inTerminal, podManifest, setUpSuite, tearDownSuite, until, viewPod, waitStarted, writeManifest, type PodSuite } from './pod-helpers';

describe('attach -i and -it (real pods)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-attach-');
    const pod = podManifest('att', {
      restartPolicy: 'Never',
      containers: [
        { name: 'reader', stdin: true, command: ['sh', '-c', 'while read line; do echo "got:$line"; [ "$line" = bye ] && exit 0; done'] },
        { name: 'shell', stdin: true, tty: true, command: ['sh'] },
        { name: 'plain', command: ['sleep', '3600'] },
        { name: 'sleeper', stdin: true, command: ['sleep', '3600'] },
        { name: 'once', stdin: true, stdinOnce: true, command: ['sh', '-c', 'cat; echo eof-seen; sleep 3600'] },
      ],
    });
    const r = s.run(['apply', '-f', writeManifest(join(s.root, 'm'), 'att.yaml', pod)]);
    expect(r.code, r.stderr).to.equal(0);
    waitStarted(s.root, 'att');
  });
  after(() => tearDownSuite(s));

  const run = (args: string[]) => {
    const child = spawn(PODRUN, ['attach', ...args], { env: { ...process.env, PODRUN_ROOT: s!.root } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const done = new Promise<number | null>((r) => child.on('close', (code, signal) => r(code ?? (signal ? -1 : null))));
    return { child, out: () => out, err: () => err, done };
  };
  const state = (c: string) => viewPod(s!.root, 'att').json.status.containerStatuses.find((x: any) => x.name === c).state;

  it("-i: lines go to the container's stdin and its answers come back; the stdin stays open after an attach, for the next; -t without the container's tty is said and dropped; -q is quiet", async () => {
    const a = run(['-i', 'att', '-c', 'reader']);
    a.child.stdin.write('one\n');
    await until(() => a.out().includes('got:one\n'), 20_000, () => a.out() + a.err());
    expect(a.err()).to.equal("All commands and output from this session will be recorded in container logs, including credentials and sensitive information passed through the command prompt.\nIf you don't see a command prompt, try pressing enter.\n");
    a.child.stdin.end(); // the relay ends; the attach follows on until the container ends or Ctrl-C
    a.child.kill('SIGINT');
    await a.done;
    expect(state('reader').running, 'the container still runs: its stdin is still open').to.not.equal(undefined);

    const b = run(['-i', '-t', 'att', '-c', 'reader']);
    b.child.stdin.write('two\nbye\n');
    expect(await b.done).to.equal(0); // ended with the container
    expect(b.out()).to.equal('got:two\ngot:bye\n');
    expect(b.err()).to.match(/^error: Unable to use a TTY - container reader did not allocate one\nAll commands/);
    expect(state('reader').terminated).to.include({ exitCode: 0 });
    expect(s!.run(['logs', 'att', '-c', 'reader']).stdout).to.equal('got:one\ngot:two\ngot:bye\n');
  });

  it("-it: the terminal is the container's (its keys, its echo); the session ends with the container, and says how to resume", async function () {
    if (!haveScript()) this.skip();
    const t = inTerminal(s!.root, ['attach', '-it', 'att', '-c', 'shell']);
    await until(() => t.output().includes('try pressing enter'), 20_000, t.output);
    t.type('echo $((6*7)) $(tty)\r');
    await until(() => /42 \/dev\/pts\/\d+/.test(t.output()), 20_000, t.output); // its stdin is its own pty
    // kubectl's detach keys: the attach ends, the container runs on
    t.type('echo flushed-$((1+1))\r\x10\x11'); // what comes before the keys in the same read is sent first (review 58)
    expect(await t.done).to.equal(0);
    await until(() => s!.run(['logs', 'att', '-c', 'shell']).stdout.includes('flushed-2'), 20_000);
    expect(t.output()).to.include("Session ended, resume using 'podrun attach att -c shell -n default -i -t' command");
    expect(state('shell').running).to.not.equal(undefined);
    // and a second attach finds the same shell; `exit` ends it
    const t2 = inTerminal(s!.root, ['attach', '-it', 'att', '-c', 'shell', '--detach-keys', 'ctrl-x']);
    await until(() => t2.output().includes('try pressing enter'), 20_000, t2.output);
    t2.type('\x10\x11echo again-$((6*7))\r'); // not the detach keys now: sent on to the shell
    await until(() => t2.output().includes('again-42'), 20_000, t2.output);
    t2.type('exit\r');
    expect(await t2.done).to.equal(0);
    expect(state('shell').terminated).to.include({ exitCode: 0 });
  });

  it('stdinOnce: the first attach takes the stdin, its end is the container\'s EOF, and no later attach gets it', async () => {
    const a = run(['-q', '-i', 'att', '-c', 'once']);
    a.child.stdin.write('only\n');
    await until(() => a.out().includes('only\n'), 20_000, () => a.out() + a.err());
    a.child.stdin.end();
    await until(() => a.out().includes('eof-seen\n'), 20_000, () => a.out() + a.err()); // the container read EOF
    a.child.kill('SIGINT');
    await a.done;
    // a later attach shows the output only, as kubectl's over containerd's
    const again = run(['-q', '-i', 'att', '-c', 'once']);
    await until(() => again.err().includes('warning:'), 20_000, again.err);
    expect(again.err()).to.equal('warning: no input for container "once" in pod "att": the container\'s stdin went to the first attach (stdinOnce): only its output is shown\n');
    again.child.kill('SIGINT');
    await again.done;
  });

  it('input a container does not read: the attach still ends at once when killed, and its relay with it (nothing left holding the stdin)', async () => {
    const a = run(['-q', '-i', 'att', '-c', 'sleeper']);
    a.child.stdin.on('error', () => undefined); // EPIPE once it is gone
    a.child.stdin.write(Buffer.alloc(300_000)); // far more than a pipe holds
    await new Promise((r) => setTimeout(r, 1000));
    a.child.kill('SIGTERM');
    await a.done;
    const relays = () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            const args = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
            return args.includes('attach-stdin') && args.some((x) => x.startsWith(s!.root));
          } catch {
            return false;
          }
        });
    await until(() => relays().length === 0, 10_000, () => relays().join(' '));
  });

  it('refused: a container without stdin: true, one not running', async () => {
    const plain = s!.run(['attach', '-i', 'att', '-c', 'plain']);
    expect([plain.code, plain.stderr.split('\n')[0]]).to.deep.equal([1, 'error: container "plain" in pod "att" does not take stdin']);
    await until(() => !!state('reader').terminated, 20_000);
    const ended = s!.run(['attach', '-i', 'att', '-c', 'reader']);
    expect([ended.code, ended.stderr.split('\n')[0]]).to.deep.equal([1, 'error: container "reader" in pod "att" is not running (exited with code 0, Completed)']);
  });
});
