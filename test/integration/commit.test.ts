// Issue 3, test 10: `podrun commit` makes an image from a container's changes: the new layer has
// what the container wrote to its root filesystem (and a whiteout for what it deleted), but not
// the volume's contents (only the empty mount point) nor the init layer's /etc/hosts; a pod from
// the new image runs and sees the change. Real pods, as root.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, podrun } from '../helpers/cli';
import { deletePodsAndCheckLeaks, PodSuite, setUpSuite, waitFor } from './pod-helpers';

function podYaml(name: string, image: string, command: string[], volumes = true): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      ...(volumes ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
      containers: [
        {
          name: 'app',
          image,
          imagePullPolicy: 'Never',
          command,
          ...(volumes ? { volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] } : {}),
        },
      ],
    },
  });
}

describe('commit (integration)', function () {
  this.timeout(120_000);
  let s: PodSuite | undefined;
  let root = '';

  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-commit-', (rootfs) => writeFileSync(join(rootfs, 'etc', 'doomed'), 'deleted by the container\n'));
    root = s.root;
  });

  after(() => deletePodsAndCheckLeaks(s, ['cm', 'cm2']));

  it('commits the upper dir without volumes or the init layer, and the image runs', () => {
    const f = join(root, 'cm.yaml');
    writeFileSync(
      f,
      podYaml('cm', 'busybox:test', [
        'sh',
        '-c',
        'echo committed > /newfile; echo volume-data > /scratch/volfile; rm /etc/doomed; touch /ready; exec sleep 3600',
      ]),
    );
    const a = podrun(root, ['apply', '-f', f]);
    expect(a.code, a.stderr).to.equal(0);
    waitFor(() => podrun(root, ['exec', 'cm/app', '--', 'test', '-f', '/ready']).code === 0, 20_000, 'the container to write its files');

    const c = podrun(root, ['commit', '-m', 'test commit', 'cm/app', 'committed:v1']);
    expect(c.code, c.stderr).to.equal(0);
    const imageId = c.stdout.trim();
    expect(imageId).to.match(/^sha256:[0-9a-f]{64}$/);

    // The new top layer, read straight from the store with GNU tar.
    const entries = topLayerEntries(root, 'committed', 'v1');
    expect(entries).to.include('newfile');
    expect(entries).to.include('ready');
    expect(entries).to.include('scratch/'); // the mount point, empty
    expect(entries).to.include('etc/.wh.doomed');
    expect(entries.filter((e) => e.startsWith('scratch/') && e !== 'scratch/')).to.deep.equal([]);
    for (const initFile of ['etc/hosts', 'etc/hostname', 'etc/resolv.conf']) expect(entries).to.not.include(initFile);

    // A pod from the new image sees the change (and not the deleted file).
    const f2 = join(root, 'cm2.yaml');
    writeFileSync(f2, podYaml('cm2', 'committed:v1', ['sleep', '3600'], false));
    const a2 = podrun(root, ['apply', '-f', f2]);
    expect(a2.code, a2.stderr).to.equal(0);
    expect(podrun(root, ['exec', 'cm2/app', '--', 'cat', '/newfile']).stdout).to.equal('committed\n');
    expect(podrun(root, ['exec', 'cm2/app', '--', 'test', '-e', '/etc/doomed']).code).to.equal(1);
    expect(podrun(root, ['exec', 'cm2/app', '--', 'ls', '-A', '/scratch']).stdout).to.equal('');
    const g = JSON.parse(podrun(root, ['get', 'pod', 'cm2', '-o', 'json']).stdout) as {
      status: { containerStatuses: { imageID: string }[] };
    };
    expect(g.status.containerStatuses[0].imageID).to.contain(imageId.slice('sha256:'.length));
  });

  it('rejects bad input without changing anything', () => {
    expect(podrun(root, ['commit', 'cm/app']).code).to.equal(2);
    expect(podrun(root, ['commit', 'cm/app', 'Bad:Tag!']).code).to.equal(2);
    const p = podrun(root, ['commit', '--pause=maybe', 'cm/app', 'x:1']);
    expect(p.code).to.equal(2);
    expect(p.stderr).to.match(/--pause is true or false, got "maybe"/);
    const n = podrun(root, ['commit', 'nopod/app', 'x:1']);
    expect(n.code).to.equal(1);
    expect(n.stderr).to.match(/pods "nopod" not found/);
  });
});

/** Paths in the last layer of NAME:TAG, from the store's index and blobs (docs: src/images/store.ts). */
function topLayerEntries(root: string, repo: string, tag: string): string[] {
  const images = join(root, 'images');
  const index = JSON.parse(readFileSync(join(images, 'index.json'), 'utf8')) as { names: Record<string, string> };
  const key = Object.keys(index.names).find((k) => k.endsWith(`/${repo}:${tag}`) || k === `${repo}:${tag}`);
  expect(key, JSON.stringify(Object.keys(index.names))).to.be.a('string');
  const blob = (d: string) => join(images, 'blobs', 'sha256', d.slice('sha256:'.length));
  const manifest = JSON.parse(readFileSync(blob(index.names[key!]), 'utf8')) as { layers: { digest: string }[] };
  const top = manifest.layers[manifest.layers.length - 1];
  return execFileSync('tar', ['-tzf', blob(top.digest)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((e) => e.replace(/^\.\//, ''));
}
