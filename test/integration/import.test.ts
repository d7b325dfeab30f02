// podrun import: directories, tar and tar.gz files, --change/-m, and bad input. Runs as root.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { resolveImage } from '../../src/images/resolve';
import { ls, useStoreFixture } from '../helpers/store-fixture';

describe('podrun import', function () {
  this.timeout(120_000);
  const f = useStoreFixture();
  const { store, run } = f;
  const blobs = () => ls(join(f.root, 'store', 'images', 'blobs', 'sha256'));

  for (const kind of ['tar', 'tar.gz'])
    it(`imports a ${kind} file into a runnable one-layer image`, async () => {
      const file = join(f.root, `rootfs.${kind}`);
      execFileSync('tar', [kind === 'tar' ? '-cf' : '-czf', file, '-C', f.rootfs, '.']);
      const r = run(['import', file, 'localhost:5000/team/bb:dev']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^sha256:[0-9a-f]{64}\n$/);
      const img = await resolveImage(store(), 'localhost:5000/team/bb:dev', { policy: 'Never' });
      expect(img.layerDirs).to.have.length(1);
      const out = spawnSync('chroot', [img.layerDirs[0], '/bin/busybox', 'echo', 'hi from the layer'], { encoding: 'utf8' });
      expect(out.stdout).to.equal('hi from the layer\n');
      expect(readFileSync(join(img.layerDirs[0], 'etc', 'passwd'), 'utf8')).to.match(/^root:x:0:0/);
      // Same tar content, whichever container format: one diff ID, so one shared layer dir.
      const plain = createHash('sha256').update(kind === 'tar' ? readFileSync(file) : require('zlib').gunzipSync(readFileSync(file))).digest('hex');
      expect(store().get('localhost:5000/team/bb:dev').layers[0].diffId).to.equal(`sha256:${plain}`);
    });

  it('applies -c changes and -m to the config and history', () => {
    const r = run(['import', '-c', 'CMD ["/bin/sh", "-c", "echo hi"]', '-c', 'ENV PATH=/bin', '-c', 'WORKDIR /root', '-m', 'from busybox-static', f.rootfs, 'bb:1']);
    expect(r.code, r.stderr).to.equal(0);
    const insp = JSON.parse(run(['image', 'inspect', 'bb:1']).stdout)[0];
    expect(insp.Config).to.deep.equal({ Cmd: ['/bin/sh', '-c', 'echo hi'], Env: ['PATH=/bin'], WorkingDir: '/root' });
    expect(insp.History[0].comment).to.equal('from busybox-static');
    expect(insp.Os).to.equal('linux');
  });

  it('bad input fails with a clear error and changes nothing', () => {
    const missing = run(['import', join(f.root, 'nope'), 'bb:1']);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include(`${join(f.root, 'nope')}: no such file or directory`);

    const notTar = join(f.root, 'notes.txt');
    writeFileSync(notTar, 'hello world, definitely not a tar archive\n'.repeat(50));
    const bad = run(['import', notTar, 'bb:1']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include(`${notTar} is not a tar archive`);

    const badName = run(['import', f.rootfs, 'Bad/Name:1']);
    expect(badName.code).to.equal(2);
    expect(badName.stderr).to.include("invalid image reference 'Bad/Name:1'");
    const digestName = run(['import', f.rootfs, `bb@sha256:${'a'.repeat(64)}`]);
    expect(digestName.code).to.equal(2);
    expect(run(['import', f.rootfs]).code).to.equal(2);

    expect(blobs()).to.deep.equal([]);
    expect(store().list()).to.deep.equal([]);
    expect(ls(join(f.root, 'store', 'images', 'tmp'))).to.deep.equal([]);
  });

  it('a layer whose content does not match its diff_id is refused and leaves no layer dir', async () => {
    const s = store();
    const file = join(f.root, 'rootfs.tar');
    execFileSync('tar', ['-cf', file, '-C', f.rootfs, '.']);
    const layer = await s.putBlob(readFileSync(file));
    const wrong = `sha256:${'0'.repeat(64)}`;
    const cfg = await s.putJson({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [wrong] } });
    const man = await s.putJson({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
    });
    await s.recordImage('liar:1', man.digest);
    let err: unknown;
    try {
      await resolveImage(s, 'liar:1', { policy: 'Never' });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.equal(
      `layer ${layer.digest}: uncompressed content has digest ${layer.digest} but the image config says ${wrong}`,
    );
    expect(ls(join(f.root, 'store', 'images', 'layers'))).to.deep.equal([]);
    expect(ls(join(f.root, 'store', 'images', 'tmp'))).to.deep.equal([]);
  });

  it('a zstd layer is refused naming its media type', async () => {
    const s = store();
    const layer = await s.putBlob(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
    const cfg = await s.putJson({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } });
    const man = await s.putJson({
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: layer.digest, size: layer.size }],
    });
    await s.recordImage('z:1', man.digest);
    let err: unknown;
    try {
      await resolveImage(s, 'z:1', { policy: 'IfNotPresent' });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(/application\/vnd.oci.image.layer.v1.tar\+zstd: zstd layers are not supported/);
  });
});
