// push/pull against Debian's real distribution registry on 127.0.0.1: a round trip of a busybox
// image made with `podrun import`, pull by digest, skipping present blobs, a two-platform OCI
// index, a corrupted blob in the registry's storage, and retries through a flaky proxy.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';
import { gzipSync } from 'zlib';
import { resolvePaths } from '../../src/util/paths';
import { hostPlatform } from '../../src/images/platform';
import { RegistryClient } from '../../src/images/registry';
import { openStore } from '../../src/images/store';
import { ensureLayers } from '../../src/images/layers';
import { haveBusybox, makeBusyboxRootfs } from '../helpers/busybox';
import { podrun, tempRoot } from '../helpers/cli';
import { haveRegistry, podrunAsync, startFlakyProxy, startRegistry, TestRegistry } from '../helpers/registry';

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

interface Entry {
  type: string;
  mode: number;
  size?: number;
  link?: string;
  sha?: string;
}

/** Path -> type, permission bits, size, link target and content hash: what "same files" means. */
export function listTree(dir: string): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = join(dir, r);
      const st = lstatSync(p);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) out[r] = { type: 'symlink', mode: 0, link: readlinkSync(p) };
      else if (st.isDirectory()) {
        out[r] = { type: 'dir', mode };
        walk(r);
      } else if (st.isFile()) out[r] = { type: 'file', mode, size: st.size, sha: sha(readFileSync(p)) };
      else out[r] = { type: 'other', mode };
    }
  };
  walk('');
  return out;
}

async function layerDirsOf(root: string, ref: string): Promise<string[]> {
  const store = openStore(resolvePaths({ root }));
  const rec = store.lookup(ref);
  if (!rec) throw new Error(`${ref} is not in the store at ${root}`);
  return ensureLayers(store, rec);
}

(haveRegistry() && haveBusybox() ? describe : describe.skip)('registry: push and pull against a real registry', function () {
  this.timeout(300_000);
  let reg: TestRegistry;
  let root: string;
  let cleanupRoot: () => void;
  let rootfs: string;
  let dockerConfig: string;
  let ref: string;
  let pushedDigest: string;
  let pushOut: { code: number | null; stdout: string; stderr: string };
  const env = () => ({ DOCKER_CONFIG: dockerConfig });

  before(async () => {
    reg = await startRegistry();
    ({ root, cleanup: cleanupRoot } = tempRoot());
    rootfs = mkdtempSync(join(tmpdir(), 'podrun-bb-'));
    dockerConfig = mkdtempSync(join(tmpdir(), 'podrun-dockercfg-'));
    makeBusyboxRootfs(rootfs);
    ref = `localhost:${reg.port}/test/busybox:1`;
    const imp = podrun(root, ['import', rootfs, ref], { env: env() });
    expect(imp.code, imp.stderr).to.equal(0);
    pushOut = podrun(root, ['push', ref], { env: env() });
    pushedDigest = openStore(resolvePaths({ root })).lookup(ref)!.manifestDigest;
  });
  after(async () => {
    await reg?.stop();
    cleanupRoot?.();
    for (const d of [rootfs, dockerConfig]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('push -> rmi -> pull gives the same manifest, config and files', async () => {
    const store = openStore(resolvePaths({ root }));
    const before = store.lookup(ref)!;
    expect(pushOut.code, pushOut.stderr).to.equal(0);
    expect(pushOut.stdout).to.contain(`Pushed ${ref}@${before.manifestDigest}`);
    expect(pushOut.stdout).to.match(/[0-9a-f]{12}: Pushed/);
    // Pushing again uploads nothing: every blob is already there (HEAD).
    const again = podrun(root, ['push', ref], { env: env() });
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/[0-9a-f]{12}: Layer already exists/);

    const rmi = podrun(root, ['rmi', ref], { env: env() });
    expect(rmi.code, rmi.stderr).to.equal(0);
    expect(openStore(resolvePaths({ root })).lookup(ref)).to.equal(undefined);

    const pull = podrun(root, ['pull', ref], { env: env() });
    expect(pull.code, pull.stderr).to.equal(0);
    const lines = pull.stdout.trim().split('\n');
    expect(lines[lines.length - 2]).to.equal(`Digest: ${before.manifestDigest}`);
    expect(lines[lines.length - 1]).to.equal(`Pulled ${ref}`);
    expect(pull.stdout).to.match(/[0-9a-f]{12}: Pull complete/);

    const after = openStore(resolvePaths({ root })).lookup(ref)!;
    expect(after.manifestDigest).to.equal(before.manifestDigest);
    expect(after.imageId).to.equal(before.imageId);
    const dirs = await layerDirsOf(root, ref);
    expect(dirs).to.have.length(1);
    expect(listTree(dirs[0])).to.deep.equal(listTree(rootfs));
  });

  it('pulls by digest into an empty store, and a second pull downloads nothing', async () => {
    const { root: r2, cleanup } = tempRoot();
    try {
      const byDigest = `localhost:${reg.port}/test/busybox@${pushedDigest}`;
      const p1 = podrun(r2, ['pull', byDigest], { env: env() });
      expect(p1.code, p1.stderr).to.equal(0);
      expect(p1.stdout).to.contain('Download complete');
      const rec = openStore(resolvePaths({ root: r2 })).lookup(byDigest)!;
      expect(rec.manifestDigest).to.equal(pushedDigest);

      const p2 = podrun(r2, ['pull', byDigest], { env: env() });
      expect(p2.code, p2.stderr).to.equal(0);
      expect(p2.stdout).to.contain('Already exists');
      expect(p2.stdout).not.to.contain('Downloading');
      expect(p2.stdout).to.contain('image is up to date');

      const q = podrun(r2, ['pull', '-q', byDigest], { env: env() });
      expect(q.code, q.stderr).to.equal(0);
      expect(q.stdout).to.equal(`${byDigest}\n`);
    } finally {
      cleanup();
    }
  });

  it('a missing tag is a clear not-found error', () => {
    const { root: r2, cleanup } = tempRoot();
    try {
      const p = podrun(r2, ['pull', `localhost:${reg.port}/test/busybox:nope`], { env: env() });
      expect(p.code).to.equal(1);
      expect(p.stderr).to.match(/manifest .*test\/busybox:nope: not found \(MANIFEST_UNKNOWN/);
    } finally {
      cleanup();
    }
  });

  it('a two-platform OCI index: pull picks this machine, --platform picks another, unknown lists both', async function () {
    const host = hostPlatform();
    if (host.architecture !== 'amd64' && host.architecture !== 'arm64') this.skip();
    const client = new RegistryClient({ registry: reg.host, credentials: null });
    const repo = 'test/multi';
    const scope = `repository:${repo}:pull,push`;
    const put = async (bytes: Buffer) => {
      const d = sha(bytes);
      await client.uploadBlob(repo, d, bytes.length, () => Readable.from([bytes]), scope);
      return { digest: d, size: bytes.length };
    };
    const platforms = [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ];
    const work = mkdtempSync(join(tmpdir(), 'podrun-multi-'));
    const manifests: { mediaType: string; digest: string; size: number; platform: { architecture: string } }[] = [];
    try {
      for (const p of platforms) {
        const dir = join(work, p.architecture);
        mkdirSync(dir);
        writeFileSync(join(dir, 'arch'), p.architecture + '\n');
        const tar = execFileSync('tar', ['-C', dir, '--owner=0', '--group=0', '-cf', '-', 'arch']);
        const layer = await put(gzipSync(tar));
        const config = await put(
          Buffer.from(JSON.stringify({ ...p, config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [sha(tar)] } })),
        );
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
            layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
          }),
        );
        const digest = await client.putManifest(repo, sha(manifest), manifest, 'application/vnd.oci.image.manifest.v1+json', scope);
        manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifest.length, platform: p });
      }
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
      const indexDigest = await client.putManifest(repo, 'v1', index, 'application/vnd.oci.image.index.v1+json', scope);
      expect(indexDigest).to.equal(sha(index));
    } finally {
      client.close();
      rmSync(work, { recursive: true, force: true });
    }

    const name = `localhost:${reg.port}/${repo}:v1`;
    const pickedBy = async (args: string[], expectArch: string) => {
      const { root: r2, cleanup } = tempRoot();
      try {
        const p = podrun(r2, ['pull', ...args, name], { env: env() });
        expect(p.code, p.stderr).to.equal(0);
        const rec = openStore(resolvePaths({ root: r2 })).lookup(name)!;
        expect(rec.platform).to.match(new RegExp(`^linux/${expectArch}`));
        expect(rec.manifestDigest).to.equal(manifests.find((m) => m.platform.architecture === expectArch)!.digest);
        const [dir] = await layerDirsOf(r2, name);
        expect(readFileSync(join(dir, 'arch'), 'utf8')).to.equal(`${expectArch}\n`);
      } finally {
        cleanup();
      }
    };
    await pickedBy([], host.architecture);
    await pickedBy(['--platform', 'linux/arm64'], 'arm64');
    await pickedBy(['--platform', 'linux/amd64'], 'amd64');

    const { root: r3, cleanup } = tempRoot();
    try {
      const p = podrun(r3, ['pull', '--platform', 'linux/s390x', name], { env: env() });
      expect(p.code).to.equal(1);
      expect(p.stderr).to.contain('linux/s390x');
      expect(p.stderr).to.contain('linux/amd64');
      expect(p.stderr).to.contain('linux/arm64/v8');
      expect(openStore(resolvePaths({ root: r3 })).list()).to.deep.equal([]);
    } finally {
      cleanup();
    }
  });

  for (const fault of ['503', 'reset', '429', 'cut'] as const) {
    it(`retries a blob GET that fails once with ${fault}`, async () => {
      const rec = openStore(resolvePaths({ root })).lookup(ref)!;
      const layer = rec.layers[0].digest;
      const proxy = await startFlakyProxy(reg.host, new RegExp(`/blobs/${layer}$`), fault);
      const { root: r2, cleanup } = tempRoot();
      try {
        const p = await podrunAsync(r2, ['pull', `${proxy.host}/test/busybox:1`], { env: env() });
        expect(p.code, p.stderr).to.equal(0);
        expect(proxy.log.filter((l) => l === `GET /v2/test/busybox/blobs/${layer}`)).to.have.length(2);
        expect(openStore(resolvePaths({ root: r2 })).lookup(`${proxy.host}/test/busybox:1`)?.manifestDigest).to.equal(pushedDigest);
      } finally {
        cleanup();
        await proxy.stop();
      }
    });
  }

  it('a corrupted blob fails with a digest mismatch naming the layer, and nothing is stored', () => {
    const rec = openStore(resolvePaths({ root })).lookup(ref)!;
    const layer = rec.layers[0].digest;
    // Corrupt the registry's copy in place (same size): the registry serves it unverified.
    const data = reg.blobDataPath(layer);
    const buf = readFileSync(data);
    buf[Math.floor(buf.length / 2)] ^= 0xff;
    writeFileSync(data, buf);
    const { root: r2, cleanup } = tempRoot();
    try {
      const p = podrun(r2, ['pull', ref], { env: env() });
      expect(p.code).to.equal(1);
      expect(p.stderr).to.contain(`layer ${layer}`);
      expect(p.stderr).to.match(/content has digest sha256:[0-9a-f]{64}, expected/);
      const store = openStore(resolvePaths({ root: r2 }));
      expect(store.list()).to.deep.equal([]);
      expect(store.hasBlob(layer)).to.equal(false);
      expect(readdirSafe(join(store.dir, 'tmp'))).to.deep.equal([]);
    } finally {
      cleanup();
      buf[Math.floor(buf.length / 2)] ^= 0xff;
      writeFileSync(data, buf);
    }
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
