// The ways out of a container an adversarial test found (the Containment issue), each reproduced
// as an attacker would do it, with real pods. Each test failed before its fix.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { haveCompiler, staticProgram } from '../helpers/static-c';
import { logText, PodSuite, podManifest, setUpSuite, tearDownSuite, waitFor, waitStarted, writeManifest } from './pod-helpers';

/** Bounded here; bench/escapes/run.sh runs each race 100 times. */
const TRIALS = Number(process.env.PODRUN_RACE_TRIALS ?? 30);

describe('containment: escapes found under attack (integration)', function () {
  this.timeout(600_000);
  let s: PodSuite | undefined;
  let host = '';

  before(function () {
    if (!isRoot() || !haveBusybox() || !haveCompiler()) this.skip();
    s = setUpSuite('podrun-escape-');
    // hostPaths live outside PODRUN_ROOT: the rules refuse hostPaths inside podrun's state
    host = mkdtempSync(join(tmpdir(), 'podrun-escape-host-'));
  });

  after(() => {
    try {
      tearDownSuite(s);
    } finally {
      if (host) rmSync(host, { recursive: true, force: true });
    }
  });

  it(`1. hostPath symlink swap: a pod racing RENAME_EXCHANGE never gets another pod the host's / (${TRIALS} applies)`, () => {
    const d = join(host, 'shared');
    mkdirSync(join(d, 'real'), { recursive: true });
    writeFileSync(join(d, 'real', 'inside-real'), 'x\n');
    symlinkSync('real', join(d, 'link'));
    symlinkSync('/', join(d, 'other'));
    const tools = join(host, 'tools');
    mkdirSync(tools);
    copyFileSync(staticProgram('swap'), join(tools, 'swap'));
    const dir = join(s!.root, 'manifests');
    // Pod A: a writable hostPath D, swapping D/link (-> real) and D/other (-> /) without pause.
    const a = writeManifest(
      dir,
      'attacker.yaml',
      podManifest('attacker', {
        volumes: [
          { name: 'd', hostPath: { path: d, type: 'Directory' } },
          { name: 'tools', hostPath: { path: tools, type: 'Directory' } },
        ],
        containers: [{ name: 'a', command: ['/tools/swap', '/d/link', '/d/other'], volumeMounts: [{ name: 'd', mountPath: '/d' }, { name: 'tools', mountPath: '/tools', readOnly: true }] }],
      }),
    );
    const ra = s!.run(['apply', '-f', a]);
    expect(ra.code, ra.stderr).to.equal(0);
    waitStarted(s!.root, 'attacker');
    // Pod B mounts D/link (type Directory) again and again.
    const b = writeManifest(
      dir,
      'victim.yaml',
      podManifest('victim', {
        volumes: [{ name: 'l', hostPath: { path: join(d, 'link'), type: 'Directory' } }],
        containers: [{ name: 'b', command: ['sleep', '3600'], volumeMounts: [{ name: 'l', mountPath: '/m' }] }],
      }),
    );
    const seen: string[] = [];
    let mounted = 0;
    for (let i = 0; i < TRIALS; i++) {
      const r = s!.run(['apply', '-f', b]);
      if (r.code === 0) {
        const ls = s!.run(['exec', 'victim', '--', 'ls', '/m']);
        if (ls.code === 0) {
          mounted++;
          if (!/^inside-real\n$/.test(ls.stdout)) seen.push(ls.stdout.split('\n').slice(0, 4).join(' '));
        }
      }
      expect(s!.run(['delete', 'pod', 'victim', '--now', '--ignore-not-found']).code).to.equal(0);
    }
    expect(s!.run(['delete', 'pod', 'attacker', '--now']).code).to.equal(0);
    expect(seen, 'B saw something other than D/real at its mountPath').to.deep.equal([]);
    // the race must have been run, not avoided: some applies did mount D/real
    expect(mounted).to.be.greaterThan(0);
  });

  it('3. a device node planted in a hostPath is never usable: refused for type "" and Directory, nodev inside, usable only with type CharDevice', () => {
    const d = join(host, 'plant');
    mkdirSync(d);
    // What a container with CAP_MKNOD could do through its writable hostPath D: replace D/sub with
    // a device node (here the host's zero device, harmless to read).
    expect(spawnSync('mknod', [join(d, 'sub'), 'c', '1', '5']).status).to.equal(0);
    const dir = join(s!.root, 'manifests');
    const pod = (name: string, path: string, type: string, mountPath: string, cmd: string) =>
      writeManifest(
        dir,
        `${name}.yaml`,
        podManifest(name, {
          restartPolicy: 'Never',
          volumes: [{ name: 'v', hostPath: { path, type } }],
          containers: [{ name: 'c', command: ['sh', '-c', cmd], volumeMounts: [{ name: 'v', mountPath }] }],
        }),
      );
    const read = (p: string) => `head -c 4 ${p} > /tmp/o && od -An -tx1 /tmp/o && echo READ || echo REFUSED`;
    // the planted node itself as a hostPath of type "": refused before anything runs
    const any = s!.run(['apply', '-f', pod('plant-any', join(d, 'sub'), '', '/z', read('/z'))]);
    expect(any.code).to.not.equal(0);
    expect(any.stderr).to.match(/is a character device|not allowed|device node/);
    expect(s!.run(['delete', 'pod', 'plant-any', '--now', '--ignore-not-found']).code).to.equal(0);
    // the directory holding it: the node is there but cannot be opened (nodev)
    const dirPod = s!.run(['apply', '-f', pod('plant-dir', d, 'Directory', '/d', read('/d/sub'))]);
    expect(dirPod.code, dirPod.stderr).to.equal(0);
    waitFor(() => /READ|REFUSED/.test(logText(s!.root, 'plant-dir', 'c')), 20_000, 'plant-dir output');
    expect(logText(s!.root, 'plant-dir', 'c')).to.match(/REFUSED/);
    expect(s!.run(['delete', 'pod', 'plant-dir', '--now']).code).to.equal(0);
    // asked for as a device: then it is one
    const dev = s!.run(['apply', '-f', pod('plant-dev', join(d, 'sub'), 'CharDevice', '/z', read('/z'))]);
    expect(dev.code, dev.stderr).to.equal(0);
    waitFor(() => /READ|REFUSED/.test(logText(s!.root, 'plant-dev', 'c')), 20_000, 'plant-dev output');
    expect(logText(s!.root, 'plant-dev', 'c')).to.match(/00 00 00 00\n[^]*READ/);
    expect(s!.run(['delete', 'pod', 'plant-dev', '--now']).code).to.equal(0);
  });

  it("4. the host's keyrings: a container does not inherit the session keyring of whoever started the pod", () => {
    const tools = join(host, 'keytools');
    mkdirSync(tools);
    copyFileSync(staticProgram('keys'), join(tools, 'keys'));
    const desc = `podrun-secret-${process.pid}`;
    const f = writeManifest(
      join(s!.root, 'manifests'),
      'keys.yaml',
      podManifest('keys', {
        restartPolicy: 'Never',
        volumes: [{ name: 't', hostPath: { path: tools, type: 'Directory' } }],
        containers: [{ name: 'c', command: ['sh', '-c', `/t/keys find ${desc}; exec sleep 3600`], volumeMounts: [{ name: 't', mountPath: '/t', readOnly: true }] }],
      }),
    );
    // Whoever runs podrun has a key in its session keyring (a login session's tickets, say).
    const withKey = (args: string[]) =>
      spawnSync(join(tools, 'keys'), ['with-key', desc, 's3cret', '--', PODRUN, ...args], { encoding: 'utf8', env: { ...process.env, PODRUN_ROOT: s!.root } });
    const r = withKey(['apply', '-f', f]);
    expect(r.status, r.stderr).to.equal(0);
    waitFor(() => /found|none/.test(logText(s!.root, 'keys', 'c')), 20_000, 'the key lookup');
    const out = logText(s!.root, 'keys', 'c');
    expect(out).to.not.match(/s3cret/);
    expect(out).to.match(/none/);
    // nor what `podrun exec` runs: not the keyring of the user typing it
    const e = withKey(['exec', 'keys', '--', '/t/keys', 'find', desc]);
    expect(e.status, e.stderr).to.equal(0);
    expect(e.stdout).to.match(/^none /);
    expect(s!.run(['delete', 'pod', 'keys', '--now']).code).to.equal(0);
  });
});
