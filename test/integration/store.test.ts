// The image store end to end, through the real CLI and the real store: import, images, resolve,
// layer sharing, rmi vs pods, prune, concurrency and SIGKILL safety. Runs as root.
import { expect } from 'chai';
import { spawn } from 'child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ls, useStoreFixture } from '../helpers/store-fixture';
import { PODRUN } from '../helpers/cli';

const STORE_JS = join(__dirname, '..', '..', 'src', 'images', 'store.js');
const RESOLVE_JS = join(__dirname, '..', '..', 'src', 'images', 'resolve.js');
import { resolveImage } from '../../src/images/resolve';

/** Runs `cmd` asynchronously and resolves with its exit code and output. */
function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => res({ code, out, err }));
  });
}

const cliAsync = (root: string, args: string[]) => runAsync(PODRUN, args, { PODRUN_ROOT: root });

describe('image store (integration)', function () {
  this.timeout(120_000);
  const f = useStoreFixture();
  const { store, run } = f;
  const layersDir = () => join(f.root, 'store', 'images', 'layers');

  it('import a busybox dir -> images lists it -> resolve gives layer dirs with bin/busybox', async () => {
    const imp = run(['import', f.rootfs, 'busybox:test']);
    expect(imp.code, imp.stderr).to.equal(0);
    const id = imp.stdout.trim();
    expect(id).to.match(/^sha256:[0-9a-f]{64}$/);

    const table = run(['images']);
    expect(table.code).to.equal(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(lines[1]).to.match(new RegExp(`^docker.io/library/busybox\\s+test\\s+${id.slice(7, 19)}\\s+(Less than a second|\\d+ seconds?) ago\\s+[\\d.]+[kM]B$`));
    const json = JSON.parse(run(['images', '-o', 'json']).stdout);
    expect(json).to.have.length(1);
    expect(json[0]).to.include({ repository: 'docker.io/library/busybox', tag: 'test', id });
    expect(run(['images', '-q']).stdout).to.equal(`${id.slice(7, 19)}\n`);

    const r = await resolveImage(store(), 'busybox:test', { policy: 'Never' });
    expect(r.imageId).to.equal(id);
    expect(r.ref).to.equal('docker.io/library/busybox:test');
    expect(r.layerDirs).to.have.length(1);
    expect(existsSync(join(r.layerDirs[0], 'bin', 'busybox'))).to.equal(true);
    expect(readFileSync(join(r.layerDirs[0], 'bin', 'busybox'))).to.deep.equal(readFileSync(join(f.rootfs, 'bin', 'busybox')));

    const insp = JSON.parse(run(['image', 'inspect', 'busybox:test']).stdout);
    expect(insp[0].Id).to.equal(id);
    expect(insp[0].RepoTags).to.deep.equal(['docker.io/library/busybox:test']);
    expect(insp[0].Manifest.digest).to.equal(r.manifestDigest);
    expect(insp[0].Layers[0].dir).to.equal(r.layerDirs[0]);
  });

  it('unknown images fail with the pull hint and Never policy says so', async () => {
    const r = run(['image', 'inspect', 'nope']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('error: image docker.io/library/nope:latest not found locally');
    expect(r.stderr).to.include("run 'podrun pull nope'");
    let err: unknown;
    try {
      await resolveImage(store(), 'nope', { policy: 'Never' });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(/nope:latest not found locally and imagePullPolicy is Never/);
  });

  it('importing twice shares one layer dir; an image built on another shares its base layer dir', async () => {
    expect(run(['import', f.rootfs, 'a:1']).code).to.equal(0);
    expect(run(['import', f.rootfs, 'b:1']).code).to.equal(0);
    const ra = await resolveImage(store(), 'a:1', { policy: 'Never' });
    const rb = await resolveImage(store(), 'b:1', { policy: 'Never' });
    expect(ra.layerDirs).to.deep.equal(rb.layerDirs);
    expect(ls(layersDir())).to.have.length(1);

    // A second image on top of a:1 (what `podrun commit` does), with config changes.
    const extra = join(f.root, 'extra');
    mkdirSync(join(extra, 'etc'), { recursive: true });
    writeFileSync(join(extra, 'etc', 'motd'), 'hello\n');
    const tarFile = join(f.root, 'extra.tar');
    const { writeLayerTar } = await import('../../src/images/layerdiff');
    const { createWriteStream } = await import('fs');
    await writeLayerTar(extra, createWriteStream(tarFile));
    const { createImage } = await import('../../src/images/create');
    const rec = await createImage(store(), { base: 'a:1', layers: [{ path: tarFile }], config: { Cmd: ['cat', '/etc/motd'] }, comment: 'motd', tag: 'c:1' });
    expect(rec.layers).to.have.length(2);
    const rc = await resolveImage(store(), 'c:1', { policy: 'Never' });
    expect(rc.layerDirs).to.have.length(2);
    expect(rc.layerDirs[0]).to.equal(ra.layerDirs[0]);
    expect(readFileSync(join(rc.layerDirs[1], 'etc', 'motd'), 'utf8')).to.equal('hello\n');
    expect(rc.config.Cmd).to.deep.equal(['cat', '/etc/motd']);
    expect(ls(layersDir())).to.have.length(2);
  });

  it('rmi refuses while a pod uses the image, --force untags, prune reclaims', () => {
    const id = run(['import', f.rootfs, 'busybox:test']).stdout.trim();
    expect(run(['import', f.rootfs, 'other:1']).code).to.equal(0);
    const podDir = join(f.root, 'store', 'pods', 'default_web');
    mkdirSync(podDir, { recursive: true });
    writeFileSync(join(podDir, 'pod.json'), JSON.stringify({ apiVersion: 'podrun/v1', kind: 'PodRecord', plan: { containers: [{ name: 'c', image: { ref: 'busybox:test', imageId: id } }] } }));

    const refused = run(['rmi', 'busybox:test']);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/image busybox:test \([0-9a-f]{12}\) is used by pod default\/web/);
    expect(refused.stderr).to.include('--force');
    expect(run(['images', '-q']).stdout.trim().split('\n')).to.have.length(2);

    const forced = run(['rmi', '--force', 'busybox:test']);
    expect(forced.code, forced.stderr).to.equal(0);
    expect(forced.stdout).to.equal('Untagged: docker.io/library/busybox:test\n');
    // Still there (dangling) while the pod uses it; prune keeps it too.
    expect(run(['images']).stdout).to.match(/<none>\s+<none>\s+[0-9a-f]{12}/);
    run(['image', 'prune']);
    expect(store().lookup(id)).to.not.equal(undefined);

    // The pod is gone: prune drops the dangling image and its blobs (the layer is still shared).
    require('fs').rmSync(join(f.root, 'store', 'pods'), { recursive: true });
    const pr = run(['image', 'prune']);
    expect(pr.code).to.equal(0);
    expect(pr.stdout).to.include(`deleted: ${id}`);
    expect(pr.stdout).to.match(/Total reclaimed space: [\d.]+[kM]?B/);
    expect(store().lookup(id)).to.equal(undefined);

    // rmi of the last image removes every blob and layer dir.
    const rm = run(['rmi', 'other:1']);
    expect(rm.code, rm.stderr).to.equal(0);
    expect(rm.stdout).to.match(/^Untagged: docker.io\/library\/other:1\nDeleted: sha256:[0-9a-f]{64}\n$/);
    expect(ls(join(f.root, 'store', 'images', 'blobs', 'sha256'))).to.deep.equal([]);
    expect(ls(layersDir())).to.deep.equal([]);
    expect(run(['rmi', 'other:1']).stderr).to.include('not found locally');
  });

  it('concurrent imports and resolves from several processes all succeed with one layer dir', async () => {
    const root = join(f.root, 'store');
    const jobs = [1, 2, 3, 4].map((n) => cliAsync(root, ['import', f.rootfs, `bb:${n}`]));
    const res = await Promise.all(jobs);
    for (const r of res) expect(r.code, r.err).to.equal(0);
    // Four names; not necessarily four ids: imports of the same content in the same millisecond
    // make byte-identical configs, hence one image, as docker would.
    const tags = run(['images']).stdout.split('\n').filter((l) => l.startsWith('docker.io/library/bb ')).map((l) => l.split(/\s+/)[1]);
    expect(tags.sort()).to.deep.equal(['1', '2', '3', '4']);
    const script = `
      const { openStore } = require(${JSON.stringify(STORE_JS)});
      const { resolveImage } = require(${JSON.stringify(RESOLVE_JS)});
      resolveImage(openStore({ root: process.argv[1], runRoot: process.argv[1] + '/run' }), process.argv[2], { policy: 'Never' })
        .then((r) => console.log(JSON.stringify(r.layerDirs)), (e) => { console.error(e.message); process.exit(1); });`;
    const resolves = await Promise.all([1, 2, 3, 4, 1, 2].map((n) => runAsync(process.execPath, ['-e', script, root, `bb:${n}`])));
    for (const r of resolves) expect(r.code, r.err).to.equal(0);
    const dirs = new Set(resolves.map((r) => r.out.trim()));
    expect(dirs.size).to.equal(1);
    expect(ls(layersDir())).to.have.length(1);
    expect(ls(join(root, 'images', 'tmp'))).to.deep.equal([]);
  });

  it('an import SIGKILLed at any moment leaves the store consistent; prune cleans, the next import finishes', async () => {
    const root = join(f.root, 'store');
    // A big incompressible file so the kill lands mid-stream.
    const big = join(f.rootfs, 'big.bin');
    writeFileSync(big, require('crypto').randomBytes(48 << 20));
    for (const delay of [150, 400, 900]) {
      const p = spawn(PODRUN, ['import', f.rootfs, 'big:1'], { env: { ...process.env, PODRUN_ROOT: root }, stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, delay));
      p.kill('SIGKILL');
      await new Promise((r) => p.on('exit', r));
      // Whatever is visible is complete: the index parses, every blob matches its name.
      const s = store();
      const names = s.list().flatMap((i) => i.names);
      expect(names.filter((n) => n !== 'docker.io/library/big:1')).to.deep.equal([]);
      for (const hex of ls(join(root, 'images', 'blobs', 'sha256'))) {
        const h = require('crypto').createHash('sha256').update(readFileSync(join(root, 'images', 'blobs', 'sha256', hex))).digest('hex');
        expect(h).to.equal(hex);
      }
    }
    const pr = run(['image', 'prune']);
    expect(pr.code, pr.stderr).to.equal(0);
    expect(ls(join(root, 'images', 'tmp'))).to.deep.equal([]);
    const again = run(['import', f.rootfs, 'big:1']);
    expect(again.code, again.stderr).to.equal(0);
    // Kill an unpack half way: no half-made layer dir is ever visible under layers/.
    const script = `
      const { openStore } = require(${JSON.stringify(STORE_JS)});
      const { resolveImage } = require(${JSON.stringify(RESOLVE_JS)});
      resolveImage(openStore({ root: process.argv[1], runRoot: process.argv[1] + '/run' }), 'big:1', { policy: 'Never' });`;
    const p = spawn(process.execPath, ['-e', script, root], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    p.kill('SIGKILL');
    await new Promise((r) => p.on('exit', r));
    for (const d of ls(layersDir())) expect(existsSync(join(layersDir(), d, 'layer.json'))).to.equal(true);
    const r = await resolveImage(store(), 'big:1', { policy: 'Never' });
    expect(readFileSync(join(r.layerDirs[0], 'big.bin')).equals(readFileSync(big))).to.equal(true);
    expect(ls(layersDir())).to.have.length(1);
  });
});
