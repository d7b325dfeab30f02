// docker's image habits (issue 14): tag, history, inspect (images and pods), logout, save to
// stdout and load from it, import -, image prune -f, images -a; each as docker shapes it.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN, podrun } from '../helpers/cli';
import { haveScript, inTerminal, podManifest, setUpSuite, tearDownSuite, writeManifest, type PodSuite } from './pod-helpers';

describe('docker habits: tag, history, inspect, logout, save | load, import -, prune -f', function () {
  let s: PodSuite | undefined;
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-docker-');
  });
  after(() => tearDownSuite(s));
  const run = (args: string[], input?: string) => {
    const r = s!.run(args, input);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r;
  };
  const id = () => JSON.parse(run(['image', 'inspect', 'busybox:test']).stdout)[0].Id as string;

  it('tag: another name for the same image, moved when given again; a digest is no tag', () => {
    expect(run(['tag', 'busybox:test', 'localhost:5000/tools:v1']).stdout).to.equal('');
    const rows = run(['images']).stdout.split('\n').filter((l) => l.includes(id().slice(7, 19)));
    expect(rows.map((l) => l.split(/\s+/).slice(0, 2).join(':')).sort()).to.deep.equal(['docker.io/library/busybox:test', 'localhost:5000/tools:v1']);
    const bad = s!.run(['tag', 'busybox:test', `x@sha256:${'a'.repeat(64)}`]);
    expect(bad.code).to.equal(2);
    expect(s!.run(['tag', 'nothere:1', 'y:1']).code).to.equal(1);
    run(['rmi', 'localhost:5000/tools:v1']);
  });

  it("history: docker's columns, newest first, the id on the top row; -q, --no-trunc, -H=false", () => {
    const out = run(['history', 'busybox:test']).stdout.split('\n');
    expect(out[0].split(/\s{2,}/)).to.deep.equal(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT']);
    expect(out[1]).to.match(new RegExp(`^${id().slice(7, 19)} +.+ ago +podrun import \\S+ +\\d[\\d.]*[kM]?B +Imported from `));
    expect(run(['history', '-q', 'busybox:test']).stdout).to.equal(`${id().slice(7, 19)}\n`);
    expect(run(['history', '-q', '--no-trunc', 'busybox:test']).stdout).to.equal(`${id()}\n`);
    expect(run(['history', '-H=false', 'busybox:test']).stdout.split('\n')[1]).to.match(/ \d{4}-\d\d-\d\dT\S+ +podrun import \S+ +\d+ +/);
  });

  it('inspect: a pod as its Kubernetes object, an image as image inspect; --type; a name that is neither is said (exit 1)', () => {
    const f = writeManifest(join(s!.root, 'm'), 'ins.yaml', podManifest('ins', { containers: [{ name: 'c', command: ['sleep', '3600'] }] }));
    run(['apply', '-f', f]);
    const [pod] = JSON.parse(run(['inspect', 'ins']).stdout);
    expect(pod).to.include({ apiVersion: 'v1', kind: 'Pod' });
    expect(pod.metadata.name).to.equal('ins');
    expect(pod.status.phase).to.equal('Running');
    const both = JSON.parse(run(['inspect', 'ins', 'busybox:test']).stdout);
    expect(both.map((d: { kind?: string; Id?: string }) => d.kind ?? d.Id)).to.deep.equal(['Pod', id()]);
    expect(s!.run(['inspect', '--type', 'image', 'ins']).code).to.equal(1);
    const none = s!.run(['inspect', 'nothing-here']);
    expect([none.code, none.stdout, none.stderr.split('\n')[0]]).to.deep.equal([1, '[]\n', 'error: No such object: nothing-here']);
    run(['delete', 'pod', 'ins', '--now']);
  });

  it('save to stdout, load from stdin (into another root): the same image; a terminal is refused', async () => {
    const other = mkdtempSync(join(tmpdir(), 'podrun-load-'));
    try {
      const save = spawnSync('sh', ['-c', `'${PODRUN}' save busybox:test | '${PODRUN}' --root '${other}' load`], { encoding: 'utf8', env: { ...process.env, PODRUN_ROOT: s!.root } });
      expect(save.status, save.stderr).to.equal(0);
      expect(save.stdout).to.equal('Loaded image: docker.io/library/busybox:test\n');
      expect(JSON.parse(podrun(other, ['image', 'inspect', 'busybox:test']).stdout)[0].Id).to.equal(id());
      const file = join(other, 'dash.tar');
      const r = spawnSync('sh', ['-c', `'${PODRUN}' save -o - busybox:test > '${file}'`], { env: { ...process.env, PODRUN_ROOT: s!.root } });
      expect(r.status).to.equal(0);
      expect(statSync(file).size).to.be.greaterThan(100_000);
      if (haveScript()) {
        const t = inTerminal(s!.root, ['save', 'busybox:test']);
        expect(await t.done).to.equal(2);
        expect(t.output()).to.contain('error: cowardly refusing to save to a terminal');
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('import - reads a tarball from stdin; its history says -', () => {
    const tar = spawnSync('tar', ['-C', join(s!.root, 'src-rootfs'), '-cf', '-', '.'], { maxBuffer: 64 << 20 });
    expect(tar.status).to.equal(0);
    const r = spawnSync(PODRUN, ['import', '-', 'fromstdin:1'], { input: tar.stdout, encoding: 'utf8', env: { ...process.env, PODRUN_ROOT: s!.root } });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^sha256:[0-9a-f]{64}\n$/);
    expect(run(['history', 'fromstdin:1']).stdout.split('\n')[1]).to.match(/podrun import - +\S+ +Imported from -$/);
    run(['rmi', 'fromstdin:1']);
  });

  it('image prune -f and images -a (docker flags) are taken', () => {
    expect(run(['image', 'prune', '-f']).stdout).to.match(/^Removed \d+ blob\(s\)/);
    expect(run(['images', '-a', '-o', 'json']).stdout).to.equal(run(['images', '-o', 'json']).stdout); // (the table's CREATED ages may tick between two calls)
  });

  it("logout removes the registry's credentials (every key docker writes), the file's other keys kept; twice says not logged in", () => {
    const dir = mkdtempSync(join(tmpdir(), 'podrun-dockercfg-'));
    try {
      const file = join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ experimental: 'enabled', auths: { 'reg.example:5000': { auth: 'eDp5' }, 'https://reg.example:5000': { auth: 'eDp5' }, 'other.example': { auth: 'eDp6' } } }));
      const env = { DOCKER_CONFIG: dir };
      const r = podrun(s!.root, ['logout', 'https://reg.example:5000/v2/'], { env });
      expect([r.code, r.stdout]).to.deep.equal([0, 'Removing login credentials for reg.example:5000\n']);
      expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal({ experimental: 'enabled', auths: { 'other.example': { auth: 'eDp6' } } });
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      const again = podrun(s!.root, ['logout', 'reg.example:5000'], { env });
      expect([again.code, again.stderr]).to.deep.equal([0, 'Not logged in to reg.example:5000\n']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
