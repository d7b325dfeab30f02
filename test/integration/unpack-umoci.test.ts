// Interop with another implementation (umoci, Go's archive/tar and its own whiteout code), both
// ways: layers umoci builds unpack with our code to the tree umoci sees, and layers we write from
// a real overlay upperdir unpack with umoci to the tree the container saw.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { finished } from 'stream/promises';
import { createGunzip } from 'zlib';
import { writeLayerTar } from '../../src/images/layerdiff';
import { unpackLayer } from '../../src/images/unpack';
import { mountsUnder } from '../helpers/leaks';

const UMOCI = '/usr/bin/umoci';

function sh(script: string): string {
  return execFileSync('sh', ['-ec', script], { encoding: 'utf8' });
}

function layersOf(image: string): string[] {
  const index = JSON.parse(readFileSync(join(image, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(readFileSync(join(image, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8')) as {
    layers: { digest: string; mediaType: string }[];
  };
  return manifest.layers.map((l) => join(image, 'blobs/sha256', l.digest.slice(7)));
}

/** `find | sort` of an overlay of `lowers` (top first), in a private mount namespace. */
function overlayView(lowers: string[], mnt: string): string[] {
  return execFileSync(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-ec', `mount -t overlay overlay -o lowerdir=${lowers.join(':')} ${mnt} && cd ${mnt} && find . | sort`],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n');
}

describe('unpack/layerdiff interop with umoci', function () {
  this.timeout(120000);
  let root: string;
  before(function () {
    if (!existsSync(UMOCI)) this.skip();
  });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'podrun-umoci-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('unpacks umoci-built layers (Go whiteouts) to the tree umoci sees', async () => {
    const img = join(root, 'img');
    sh(`
      cd ${root}
      umoci init --layout img && umoci new --image img:t
      umoci unpack --image img:t b1
      mkdir -p b1/rootfs/a b1/rootfs/d/sub b1/rootfs/o/old
      echo 1 > b1/rootfs/a/keep; echo 2 > b1/rootfs/a/gone; echo 3 > b1/rootfs/d/sub/x; echo 4 > b1/rootfs/o/old/f
      ln -s /etc b1/rootfs/lnk; ln b1/rootfs/a/keep b1/rootfs/a/hard; mkfifo b1/rootfs/fifo
      chmod 4711 b1/rootfs/a/keep
      umoci repack --image img:t b1
      umoci unpack --image img:t b2
      rm b2/rootfs/a/gone; rm -r b2/rootfs/d; mkdir b2/rootfs/d; echo n > b2/rootfs/d/new
      umoci repack --image img:t b2
      umoci unpack --image img:t final
    `);
    const layers = layersOf(img);
    expect(layers).to.have.length(2);
    const dirs: string[] = [];
    for (const [i, blob] of layers.entries()) {
      const dir = join(root, `layer${i}`);
      mkdirSync(dir);
      await unpackLayer(createReadStream(blob).pipe(createGunzip()), dir, { layer: `umoci-${i}` });
      dirs.unshift(dir);
    }
    const mnt = join(root, 'mnt');
    mkdirSync(mnt);
    const before = mountsUnder(root);
    const ours = overlayView(dirs, mnt);
    expect(mountsUnder(root)).to.deep.equal(before);
    const theirs = sh(`cd ${root}/final/rootfs && find . | sort`).trim().split('\n');
    expect(ours).to.deep.equal(theirs);
    expect(ours).to.not.include('./a/gone');
    expect(ours).to.not.include('./d/sub');
    expect(sh(`stat -c '%a %h' ${dirs[1]}/a/keep`).trim()).to.equal('4711 2');
  });

  it('writes an overlay upperdir as a layer that umoci unpacks to the same view', async () => {
    const img = join(root, 'img');
    sh(`
      cd ${root}
      umoci init --layout img && umoci new --image img:t
      umoci unpack --image img:t base
      mkdir -p base/rootfs/a base/rootfs/b/sub base/rootfs/etc
      echo k > base/rootfs/a/keep; echo g > base/rootfs/a/gone; echo x > base/rootfs/b/x; echo y > base/rootfs/b/sub/y
      echo root:x:0:0::/:/bin/sh > base/rootfs/etc/passwd
      umoci repack --image img:t base
    `);
    const [baseLayer] = layersOf(img);
    const lower = join(root, 'lower');
    mkdirSync(lower);
    await unpackLayer(createReadStream(baseLayer).pipe(createGunzip()), lower, { layer: 'base' });

    const upper = join(root, 'upper');
    const work = join(root, 'work');
    const mnt = join(root, 'mnt');
    for (const d of [upper, work, mnt]) mkdirSync(d);
    const before = mountsUnder(root);
    const view = execFileSync(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-ec',
        `mount -t overlay overlay -o lowerdir=${lower},upperdir=${upper},workdir=${work} ${mnt}
         cd ${mnt}
         rm a/gone; echo changed > a/keep
         rm -r b; mkdir b; echo n > b/new
         echo 10.0.0.1 me > etc/hosts
         find . | sort`,
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    expect(mountsUnder(root)).to.deep.equal(before);

    const diffTar = join(root, 'diff.tar');
    const out = createWriteStream(diffTar);
    await writeLayerTar(upper, out, { overlayUpper: true, exclude: ['/etc/hosts'] });
    await finished(out);
    sh(`cd ${root} && umoci raw add-layer --image img:t diff.tar && umoci unpack --image img:t final`);
    const theirs = sh(`cd ${root}/final/rootfs && find . | sort`).trim().split('\n');
    expect(theirs).to.deep.equal(view.filter((p) => p !== './etc/hosts'));
    expect(readFileSync(join(root, 'final/rootfs/a/keep'), 'utf8')).to.equal('changed\n');
  });
});
