// Input files that are not what they claim to be, at the CLI: a device (/dev/zero) that never ends,
// a FIFO whose writer never writes, and symlinks to them inside a directory or an OCI layout.
// Every one must be refused quickly, by name, with the limit, in little memory, and change nothing.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'fs';
import { join } from 'path';
import { PODRUN, tempRoot } from '../helpers/cli';

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
  /** Peak RSS of the CLI process, in KiB (GNU time). */
  maxRssKiB: number;
}

/**
 * Runs bin/podrun under GNU time (for its peak RSS), SIGKILLed after `seconds` by timeout(1), which
 * signals its whole process group: spawnSync's own timeout would kill only `time`, and the CLI
 * behind it would keep the output pipes (and spawnSync) open.
 */
function run(root: string, args: string[], seconds = 15): Run {
  const t0 = Date.now();
  const r = spawnSync('timeout', ['-s', 'KILL', String(seconds), '/usr/bin/time', '-q', '-f', 'maxrss=%M', PODRUN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PODRUN_ROOT: root },
  });
  const stderr = String(r.stderr ?? '');
  const rss = /maxrss=(\d+)/.exec(stderr);
  return { code: r.status, stderr: stderr.replace(/^maxrss=\d+\n?/m, ''), ms: Date.now() - t0, maxRssKiB: rss ? Number(rss[1]) : Infinity };
}

/** A FIFO with a writer that opens it and then never writes nor closes (killed in cleanup). */
function fifoWithWriter(path: string): ChildProcess {
  expect(spawnSync('mkfifo', [path]).status).to.equal(0);
  // `exec` makes the shell itself open the FIFO (blocking until a reader comes) and then become
  // sleep, so the pid we kill is the one holding the FIFO open.
  return spawn('sh', ['-c', `exec sleep 120 > '${path}'`], { stdio: 'ignore' });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    child.once('exit', () => res());
    child.kill('SIGKILL');
  });
}

/** The CLI refused quickly with one clear error (no stack trace, no bug report) and stayed small. */
function expectRefused(r: Run, firstLine: string | RegExp): void {
  expect(r.code, `exit ${r.code} after ${r.ms} ms (137: killed by the timeout): ${r.stderr}`).to.be.oneOf([1, 2]);
  const first = r.stderr.split('\n')[0];
  if (typeof firstLine === 'string') expect(first).to.equal(firstLine);
  else expect(first).to.match(firstLine);
  expect(r.stderr).to.not.match(/podrun bug|\n\s+at /);
  expect(r.ms).to.be.below(10_000);
  expect(r.maxRssKiB).to.be.below(200 * 1024);
}

describe('hostile input files (CLI)', function () {
  this.timeout(60_000);
  let t: { root: string; cleanup: () => void };
  const writers: ChildProcess[] = [];
  beforeEach(() => {
    t = tempRoot('podrun-hostile-');
  });
  afterEach(async () => {
    for (const w of writers.splice(0)) await kill(w);
    t.cleanup();
  });
  const root = () => join(t.root, 'root');
  const nothingStored = () => expect(existsSync(join(root(), 'pods')) ? readdirSync(join(root(), 'pods')) : []).to.deep.equal([]);

  describe('apply -f', () => {
    it('/dev/zero is refused as a character device, without reading it', () => {
      const r = run(root(), ['apply', '-f', '/dev/zero']);
      expectRefused(r, 'error: /dev/zero: (document): not a regular file (a character device); podrun reads a manifest of at most 3145728 bytes from a regular file, or from - (standard input)');
      expect(r.code).to.equal(2);
      nothingStored();
    });

    it('a FIFO whose writer keeps it open does not block', () => {
      const fifo = join(t.root, 'pod.yaml');
      writers.push(fifoWithWriter(fifo));
      const r = run(root(), ['apply', '-f', fifo]);
      expectRefused(r, `error: ${fifo}: (document): not a regular file (a FIFO); podrun reads a manifest of at most 3145728 bytes from a regular file, or from - (standard input)`);
      nothingStored();
    });

    it('a directory holding x.yaml -> /dev/zero names the entry', () => {
      const dir = join(t.root, 'pods');
      mkdirSync(dir);
      symlinkSync('/dev/zero', join(dir, 'x.yaml'));
      const r = run(root(), ['apply', '-f', dir]);
      expectRefused(r, `error: ${join(dir, 'x.yaml')}: (document): not a regular file (a character device); podrun reads a manifest of at most 3145728 bytes from a regular file, or from - (standard input)`);
      nothingStored();
    });

    it('standard input stays allowed, bounded while reading', () => {
      const r = spawnSync('timeout', ['-s', 'KILL', '15', 'sh', '-c', `head -c 100000000 /dev/zero | /usr/bin/time -q -f maxrss=%M ${PODRUN} apply -f -`], {
        encoding: 'utf8',
        env: { ...process.env, PODRUN_ROOT: root() },
      });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.match(/^error: <stdin>: \(document\): file is \d+ bytes, over the 3145728-byte limit\n/);
      expect(Number(/maxrss=(\d+)/.exec(r.stderr)?.[1])).to.be.below(200 * 1024);
    });
  });

  describe('load -i', () => {
    it('/dev/zero is refused as a character device', () => {
      const r = run(root(), ['load', '-i', '/dev/zero']);
      expectRefused(r, 'error: /dev/zero: not a regular file (a character device); podrun loads an image archive from a regular file or an OCI layout directory');
      expect(r.code).to.equal(2);
    });

    it('a FIFO whose writer keeps it open does not block', () => {
      const fifo = join(t.root, 'img.tar');
      writers.push(fifoWithWriter(fifo));
      const r = run(root(), ['load', '-i', fifo]);
      expectRefused(r, `error: ${fifo}: not a regular file (a FIFO); podrun loads an image archive from a regular file or an OCI layout directory`);
    });

    /** An OCI layout dir whose `name` is a symlink to `target` (the rest valid). */
    const layout = (name: string, target: string) => {
      const dir = join(t.root, 'layout');
      mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
      if (name !== 'oci-layout') writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      if (name !== 'index.json') writeFileSync(join(dir, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
      symlinkSync(target, join(dir, name));
      return dir;
    };

    for (const name of ['index.json', 'oci-layout'])
      it(`an OCI layout whose ${name} -> /dev/zero is refused, naming the file and the cap`, () => {
        const dir = layout(name, '/dev/zero');
        const r = run(root(), ['load', '-i', dir]);
        expectRefused(r, `error: ${dir}/${name}: not a regular file (a character device); podrun reads at most 4194304 bytes of it, from a regular file`);
        expect(existsSync(join(root(), 'images', 'index.json'))).to.equal(false);
      });

    it('an OCI layout whose index.json is a FIFO with a writer does not block', () => {
      const dir = join(t.root, 'layout');
      mkdirSync(dir);
      writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      writers.push(fifoWithWriter(join(dir, 'index.json')));
      const r = run(root(), ['load', '-i', dir]);
      expectRefused(r, `error: ${dir}/index.json: not a regular file (a FIFO); podrun reads at most 4194304 bytes of it, from a regular file`);
    });

    it('an OCI layout whose blob is a FIFO with a writer does not block', () => {
      const dir = join(t.root, 'layout');
      mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
      const hex = 'a'.repeat(64);
      writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      writeFileSync(
        join(dir, 'index.json'),
        JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${hex}`, size: 100 }] }),
      );
      writers.push(fifoWithWriter(join(dir, 'blobs', 'sha256', hex)));
      const r = run(root(), ['load', '-i', dir]);
      expectRefused(r, `error: ${dir}/blobs/sha256/${hex}: not a regular file (a FIFO); podrun reads the blobs of an OCI layout only from regular files`);
      expect(existsSync(join(root(), 'images', 'index.json'))).to.equal(false);
    });

    it('an index.json over the cap (a 3 GiB sparse file) is refused before it is read', () => {
      const dir = join(t.root, 'layout');
      mkdirSync(dir);
      writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      writeFileSync(join(dir, 'index.json'), '');
      truncateSync(join(dir, 'index.json'), 3 * 1024 ** 3);
      const r = run(root(), ['load', '-i', dir]);
      expectRefused(r, `error: ${dir}/index.json: file is ${3 * 1024 ** 3} bytes, over the 4194304-byte limit`);
    });
  });
});
