// save/load: podrun's OCI archive round trip, and archives made by other tools (skopeo's
// docker-archive, OCI archive and OCI layout dir). Runs as root with skopeo installed.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync, lstatSync, readlinkSync } from 'fs';
import { join, relative } from 'path';
import { gzipSync } from 'zlib';
import { haveBusybox, makeBusyboxRootfs } from '../helpers/busybox';
import { isRoot, podrun, tempRoot } from '../helpers/cli';
import { openStore } from '../../src/images/store';
import { resolveImage } from '../../src/images/resolve';

const haveSkopeo = () => spawnSync('skopeo', ['--version']).status === 0;
const ls = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);

/** path -> type/mode/owner/content hash of every entry under `dir`. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    const st = lstatSync(p);
    const rel = relative(dir, p) || '.';
    let what = `${st.mode.toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) what += ` -> ${readlinkSync(p)}`;
    else if (st.isFile()) what += ` ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    out[rel] = what;
    if (st.isDirectory()) for (const c of readdirSync(p)) walk(join(p, c));
  };
  walk(dir);
  return out;
}

describe('image archives: save and load', function () {
  this.timeout(120_000);
  let t: { root: string; cleanup: () => void };
  let rootfs: string;
  before(function () {
    if (!isRoot() || !haveBusybox() || !haveSkopeo()) this.skip();
  });
  beforeEach(() => {
    t = tempRoot();
    rootfs = makeBusyboxRootfs(join(t.root, 'rootfs'));
  });
  afterEach(() => t?.cleanup());

  const rootA = () => join(t.root, 'a');
  const rootB = () => join(t.root, 'b');
  const storeOf = (root: string) => openStore({ root, runRoot: join(root, 'run') });

  it('save -> load into a fresh root gives the same digests and the same files', async () => {
    expect(podrun(rootA(), ['import', '-c', 'CMD ["/bin/sh"]', rootfs, 'busybox:test']).code).to.equal(0);
    const before = await resolveImage(storeOf(rootA()), 'busybox:test', { policy: 'Never' });
    const file = join(t.root, 'bb.tar');
    const s = podrun(rootA(), ['save', '-o', file, 'busybox:test']);
    expect(s.code, s.stderr).to.equal(0);
    expect(s.stdout).to.equal('');
    const names = execFileSync('tar', ['tf', file], { encoding: 'utf8' }).split('\n');
    expect(names).to.include.members(['oci-layout', 'index.json', 'manifest.json', `blobs/sha256/${before.manifestDigest.slice(7)}`]);
    const index = JSON.parse(execFileSync('tar', ['xOf', file, 'index.json'], { encoding: 'utf8' }));
    expect(index.manifests[0].annotations).to.deep.equal({
      'io.containerd.image.name': 'docker.io/library/busybox:test',
      'org.opencontainers.image.ref.name': 'test',
    });
    const dm = JSON.parse(execFileSync('tar', ['xOf', file, 'manifest.json'], { encoding: 'utf8' }));
    expect(dm[0].RepoTags).to.deep.equal(['busybox:test']);

    const l = podrun(rootB(), ['load', '-i', file]);
    expect(l.code, l.stderr).to.equal(0);
    expect(l.stdout).to.equal('Loaded image: docker.io/library/busybox:test\n');
    const after = await resolveImage(storeOf(rootB()), 'busybox:test', { policy: 'Never' });
    expect(after.imageId).to.equal(before.imageId);
    expect(after.manifestDigest).to.equal(before.manifestDigest);
    expect(after.config.Cmd).to.deep.equal(['/bin/sh']);
    expect(tree(after.layerDirs[0])).to.deep.equal(tree(before.layerDirs[0]));
    // Loading again changes nothing.
    expect(podrun(rootB(), ['load', '-i', file]).code).to.equal(0);
    expect(storeOf(rootB()).list()).to.have.length(1);
  });

  it('skopeo reads the saved archive (inspect, copy to dir:)', () => {
    expect(podrun(rootA(), ['import', rootfs, 'busybox:test']).code).to.equal(0);
    const file = join(t.root, 'bb.tar');
    expect(podrun(rootA(), ['save', '-o', file, 'busybox:test']).code).to.equal(0);
    const rec = storeOf(rootA()).get('busybox:test');
    const insp = JSON.parse(execFileSync('skopeo', ['inspect', `oci-archive:${file}`], { encoding: 'utf8' }));
    expect(insp.Digest).to.equal(rec.manifestDigest);
    expect(insp.Layers).to.deep.equal(rec.layers.map((x) => x.digest));
    const dir = join(t.root, 'copied');
    execFileSync('skopeo', ['copy', '-q', `oci-archive:${file}`, `dir:${dir}`]);
    expect(ls(dir)).to.include.members(['manifest.json', rec.layers[0].digest.slice(7)]);
    // The docker-style manifest.json is what `docker load` reads; skopeo's docker-archive reader
    // takes the same file through it and sees the uncompressed layer (its diff ID).
    const dinsp = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${file}`], { encoding: 'utf8' }));
    expect(dinsp.Layers).to.deep.equal([rec.layers[0].diffId]);
    execFileSync('skopeo', ['copy', '-q', `docker-archive:${file}`, `dir:${join(t.root, 'copied2')}`]);
  });

  it('saves several images (by name and by id) into one archive and loads them all', () => {
    expect(podrun(rootA(), ['import', rootfs, 'one:1']).code).to.equal(0);
    const extra = join(t.root, 'small');
    require('fs').mkdirSync(extra);
    writeFileSync(join(extra, 'hello'), 'hi\n');
    const id2 = podrun(rootA(), ['import', extra, 'two:1']).stdout.trim();
    expect(podrun(rootA(), ['import', extra, 'two:also']).code).to.equal(0);
    const file = join(t.root, 'many.tar');
    const s = podrun(rootA(), ['save', '-o', file, 'one:1', id2.slice(7, 19)]);
    expect(s.code, s.stderr).to.equal(0);
    const l = podrun(rootB(), ['load', '-i', file]);
    expect(l.code, l.stderr).to.equal(0);
    expect(l.stdout.split('\n').filter(Boolean).sort()).to.deep.equal(['Loaded image: docker.io/library/one:1', 'Loaded image: docker.io/library/two:1']);
    expect(storeOf(rootB()).get('two:1').imageId).to.equal(id2);
  });

  it('loads a docker-archive made by skopeo (legacy layout, symlinked layer)', async () => {
    expect(podrun(rootA(), ['import', rootfs, 'busybox:test']).code).to.equal(0);
    const oci = join(t.root, 'bb.tar');
    expect(podrun(rootA(), ['save', '-o', oci, 'busybox:test']).code).to.equal(0);
    const da = join(t.root, 'docker.tar');
    execFileSync('skopeo', ['copy', '-q', `oci-archive:${oci}`, `docker-archive:${da}:team/app:v1`]);
    const l = podrun(rootB(), ['load', '-i', da]);
    expect(l.code, l.stderr).to.equal(0);
    expect(l.stdout).to.equal('Loaded image: docker.io/team/app:v1\n');
    const a = await resolveImage(storeOf(rootA()), 'busybox:test', { policy: 'Never' });
    const b = await resolveImage(storeOf(rootB()), 'team/app:v1', { policy: 'Never' });
    expect(b.imageId).to.equal(a.imageId);
    expect(tree(b.layerDirs[0])).to.deep.equal(tree(a.layerDirs[0]));
    // gzip-compressed archives load too.
    const gz = join(t.root, 'docker.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(da)));
    expect(podrun(rootB(), ['load', '-i', gz]).stdout).to.equal('Loaded image: docker.io/team/app:v1\n');
  });

  it('loads an OCI layout directory', async () => {
    expect(podrun(rootA(), ['import', rootfs, 'busybox:test']).code).to.equal(0);
    const oci = join(t.root, 'bb.tar');
    expect(podrun(rootA(), ['save', '-o', oci, 'busybox:test']).code).to.equal(0);
    const layout = join(t.root, 'layout');
    execFileSync('skopeo', ['copy', '-q', `oci-archive:${oci}`, `oci:${layout}:localhost:5000/team/app:dev`]);
    const l = podrun(rootB(), ['load', '-i', layout]);
    expect(l.code, l.stderr).to.equal(0);
    expect(l.stdout).to.equal('Loaded image: localhost:5000/team/app:dev\n');
    const b = await resolveImage(storeOf(rootB()), 'localhost:5000/team/app:dev', { policy: 'Never' });
    expect(existsSync(join(b.layerDirs[0], 'bin', 'busybox'))).to.equal(true);
  });

  it('refuses a corrupt layout or a non-archive, naming it, and records nothing', () => {
    expect(podrun(rootA(), ['import', rootfs, 'busybox:test']).code).to.equal(0);
    const rec = storeOf(rootA()).get('busybox:test');
    const oci = join(t.root, 'bb.tar');
    expect(podrun(rootA(), ['save', '-o', oci, 'busybox:test']).code).to.equal(0);
    const layout = join(t.root, 'layout');
    execFileSync('skopeo', ['copy', '-q', `oci-archive:${oci}`, `oci:${layout}:busybox:x`]);
    const blob = join(layout, 'blobs', 'sha256', rec.layers[0].digest.slice(7));
    const bytes = readFileSync(blob);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(blob, bytes);
    const l = podrun(rootB(), ['load', '-i', layout]);
    expect(l.code).to.equal(1);
    expect(l.stderr).to.include(`blob ${rec.layers[0].digest}`);
    expect(l.stderr).to.match(/content has digest sha256:[0-9a-f]{64}, expected/);
    expect(storeOf(rootB()).list()).to.deep.equal([]);
    expect(ls(join(rootB(), 'images', 'blobs', 'sha256'))).to.not.include(rec.layers[0].digest.slice(7));
    expect(ls(join(rootB(), 'images', 'tmp'))).to.deep.equal([]);

    const junk = join(t.root, 'junk.tar');
    writeFileSync(junk, 'not a tar at all'.repeat(100));
    const j = podrun(rootB(), ['load', '-i', junk]);
    expect(j.code).to.equal(1);
    expect(j.stderr).to.include(junk);
    const missing = podrun(rootB(), ['load', '-i', join(t.root, 'nope.tar')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include('nope.tar: no such file or directory');
    expect(storeOf(rootB()).list()).to.deep.equal([]);
  });

  it('save errors name the image; without -o (to stdout) too, and nothing is written', () => {
    const r = podrun(rootA(), ['save', '-o', join(t.root, 'x.tar'), 'nope:1']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('image docker.io/library/nope:1 not found locally');
    expect(existsSync(join(t.root, 'x.tar'))).to.equal(false);
    const s = podrun(rootA(), ['save', 'nope:1']);
    expect([s.code, s.stdout]).to.deep.equal([1, '']);
    expect(s.stderr).to.include('image docker.io/library/nope:1 not found locally');
    expect(podrun(rootA(), ['save']).code).to.equal(2);
  });
});
