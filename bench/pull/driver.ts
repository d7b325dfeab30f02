// Pull benchmark driver (not part of `npm test`; run through bench/pull/run.sh).
// Builds a multi-layer image (>= 50 MB compressed) from files of installed Debian packages, pushes
// it to a local docker-registry on 127.0.0.1, then times, RUNS times each, `podrun pull` into an
// empty store against `skopeo copy docker://... oci:DIR` + `umoci unpack`, and prints medians, the
// ratio and podrun's peak RSS (from /usr/bin/time -v).
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';
import { gzipSync } from 'zlib';
import { RegistryClient } from '../../src/images/registry';
import { startRegistry } from '../../test/helpers/registry';

const RUNS = Number(process.env.RUNS ?? 5);
const MIN_BYTES = 50 * 1000 * 1000;
const PODRUN = join(__dirname, '..', '..', '..', 'bin', 'podrun');

// Each entry becomes one layer; missing paths are skipped.
const CANDIDATES = [
  'usr/lib/x86_64-linux-gnu/libLLVM-15.so.1',
  'usr/lib/x86_64-linux-gnu/libicudata.so.72.1',
  'usr/lib/x86_64-linux-gnu/dri',
  'usr/share/vim',
  'usr/share/perl',
  'usr/share/icons',
  'usr/lib/x86_64-linux-gnu/perl',
  'usr/share/locale',
  'usr/share/man',
];

const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timed(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { ms: number; rssKb?: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return { ms, rssKb: m ? Number(m[1]) : undefined };
}

export async function buildAndPush(host: string): Promise<{ ref: string; bytes: number; layers: number }> {
  const client = new RegistryClient({ registry: host, credentials: null });
  const repo = 'bench/debian-files';
  const scope = `repository:${repo}:pull,push`;
  const put = async (b: Buffer) => {
    const digest = sha(b);
    await client.uploadBlob(repo, digest, b.length, () => Readable.from([b]), scope);
    return { digest, size: b.length };
  };
  const layers: { mediaType: string; digest: string; size: number }[] = [];
  const diffIds: string[] = [];
  let total = 0;
  for (const p of CANDIDATES) {
    if (total >= MIN_BYTES * 1.5) break;
    if (!existsSync('/' + p)) continue;
    const tar = execFileSync('tar', ['-C', '/', '--owner=0', '--group=0', '-cf', '-', p], { maxBuffer: 1 << 30 });
    const gz = gzipSync(tar);
    diffIds.push(sha(tar));
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...(await put(gz)) });
    total += gz.length;
    process.stderr.write(`layer ${layers.length}: /${p} ${(tar.length / 1e6).toFixed(1)} MB -> ${(gz.length / 1e6).toFixed(1)} MB gzip\n`);
  }
  if (total < MIN_BYTES) throw new Error(`only ${total} bytes of layers found; need ${MIN_BYTES}`);
  const config = await put(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } })),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers,
    }),
  );
  await client.putManifest(repo, '1', manifest, 'application/vnd.oci.image.manifest.v1+json', scope);
  client.close();
  return { ref: `${host}/${repo}:1`, bytes: total, layers: layers.length };
}

async function main(): Promise<void> {
  const reg = await startRegistry();
  try {
    const img = await buildAndPush(reg.host);
    console.log(`image ${img.ref}: ${img.layers} layers, ${(img.bytes / 1e6).toFixed(1)} MB compressed`);
    const podrunMs: number[] = [];
    const podrunRss: number[] = [];
    const skopeoMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const root = mkdtempSync(join(tmpdir(), 'podrun-bench-'));
      try {
        const r = timed(PODRUN, ['pull', '-q', img.ref], { PODRUN_ROOT: root, DOCKER_CONFIG: root });
        podrunMs.push(r.ms);
        if (r.rssKb) podrunRss.push(r.rssKb);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
      const dir = mkdtempSync(join(tmpdir(), 'podrun-bench-skopeo-'));
      try {
        const t0 = process.hrtime.bigint();
        timed('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${img.ref}`, `oci:${join(dir, 'oci')}:1`]);
        timed('umoci', ['unpack', '--image', `${join(dir, 'oci')}:1`, join(dir, 'bundle')]);
        skopeoMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      console.log(
        `run ${i + 1}: podrun ${(podrunMs[i] / 1000).toFixed(2)} s (peak RSS ${((podrunRss[i] ?? 0) / 1024).toFixed(0)} MB), skopeo+umoci ${(skopeoMs[i] / 1000).toFixed(2)} s`,
      );
    }
    const p = median(podrunMs);
    const s = median(skopeoMs);
    console.log(`median podrun pull:          ${(p / 1000).toFixed(2)} s`);
    console.log(`median skopeo copy + umoci:  ${(s / 1000).toFixed(2)} s`);
    console.log(`ratio podrun / skopeo+umoci: ${(p / s).toFixed(2)} (target <= 1.0)`);
    console.log(`podrun peak RSS (max of runs): ${(Math.max(...podrunRss) / 1024).toFixed(0)} MB (target < 150 MB)`);
  } finally {
    await reg.stop();
  }
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
