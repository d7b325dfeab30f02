// The CLI entry point: help is a result on stdout (exit 0), bad usage an error (exit 2).
import { expect } from 'chai';
import { parseArgs } from '../../src/cli/args';
import { run } from '../../src/cli/main';
import { PODRUN, podrun, tempRoot } from '../helpers/cli';
import { spawnSync } from 'child_process';
import { chmodSync } from 'fs';
import { join } from 'path';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(argv, (s) => (out += s));
  return { code, out };
}

describe('cli entry point', () => {
  it('prints a verb\'s usage on stdout and exits 0 for --help and -h', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await capture(['logs', flag]);
      expect(r.code).to.equal(0);
      expect(r.out).to.match(/^Print a container's logs/);
      expect(r.out).to.include('Usage:\n  podrun logs (POD[/CONTAINER] | TYPE/NAME | -l SELECTOR)');
    }
  });

  it('lists the commands for `help` (exit 0) and for no command (exit 2)', async () => {
    const h = await capture(['help']);
    expect(h.code).to.equal(0);
    expect(h.out).to.contain('apply        create or update pods');
    expect((await capture([])).code).to.equal(2);
  });

  it('delete --grace-period over the cap (a day) is a usage error that names it and changes nothing', () => {
    const t = tempRoot('podrun-cli-');
    try {
      for (const n of ['86401', '9007199254740991']) {
        const r = podrun(t.root, ['delete', 'pod', 'p', '--grace-period', n]);
        expect(r.code, r.stderr).to.equal(2);
        expect(r.stderr).to.equal(
          `error: --grace-period ${n}: podrun waits at most 86400 seconds (24 h) for a pod to stop\n  hint: give 0..86400; 0 kills at once, and --now is 1\n`,
        );
      }
    } finally {
      t.cleanup();
    }
  });

  it('a boolean option takes --NAME, --NAME=true and --NAME=false (docker style), the last one winning; another value is a usage error', () => {
    const opts = { name: 'commit', usage: 'u', description: 'd', examples: [], options: { pause: { type: 'boolean' as const, short: 'p', help: 'h' }, m: { type: 'string' as const, help: 'h' } } };
    const v = (args: string[]) => parseArgs(args, opts).values.pause;
    expect(v([])).to.equal(undefined);
    expect(v(['--pause'])).to.equal(true);
    expect(v(['-p'])).to.equal(true);
    expect(v(['--pause=true'])).to.equal(true);
    expect(v(['--pause=false'])).to.equal(false);
    expect(v(['--pause=false', '--pause'])).to.equal(true);
    expect(v(['--pause', '--pause=false'])).to.equal(false);
    expect(parseArgs(['--m=--pause=false', 'x'], opts).values).to.deep.equal({ m: '--pause=false' });
    expect(() => parseArgs(['--pause=no'], opts)).to.throw(/--pause is true or false, got "no"/);
    // pflag's one-letter forms: `-p=false`, and `-o=json` for a flag with a value
    expect(v(['-p=false'])).to.equal(false);
    expect(v(['-p=true'])).to.equal(true);
    const withValue = { ...opts, options: { ...opts.options, out: { type: 'string' as const, short: 'o', help: 'h' } } };
    expect(parseArgs(['-o=json'], withValue).values.out).to.equal('json');
  });

  it("prints kubectl's `Error from server (NotFound)` as it is, not after `error: `", () => {
    const t = tempRoot('podrun-cli-');
    try {
      const r = podrun(t.root, ['get', 'pod', 'nope']);
      expect(r.code).to.equal(1);
      expect(r.stderr.split('\n')[0]).to.equal('Error from server (NotFound): pods "nope" not found');
      expect(podrun(t.root, ['get', 'cm', 'nope', '-n', 'dev']).stderr.split('\n')[0]).to.equal('Error from server (NotFound): configmaps "nope" not found in namespace "dev"');
    } finally {
      t.cleanup();
    }
  });

  it('not root: every pod command says it needs root (never "No resources found", never a stack); help works; a root file in the way is a permission error', function () {
    if (process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status !== 0) this.skip();
    const t = tempRoot('podrun-cli-');
    try {
      chmodSync(t.root, 0o700); // root's, as /var/lib/podrun is
      const asNobody = (args: string[]) => {
        const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', PODRUN, ...args], { encoding: 'utf8', env: { ...process.env, PODRUN_ROOT: t.root } });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const verbs: string[][] = [
        ['get', 'pods'],
        ['describe', 'pod', 'web'],
        ['logs', 'web'],
        ['exec', 'web', '--', 'true'],
        ['port-forward', 'pod/web', '8080:80'],
        ['delete', 'pod', 'web'],
        ['wait', '--for=delete', 'pod/web'],
        ['top', 'pod'],
        ['commit', 'web/app', 'img:1'],
        ['up', '-d', '-f', t.root],
        ['down', '-f', t.root],
        ['scale', 'deploy/web', '--replicas', '1'],
        ['create', 'configmap', 'x', '--from-literal', 'a=b'],
        ['apply', '-f', join(__dirname, '..', '..', '..', 'examples', 'pod.yaml')],
      ];
      // a checkout under a folder only root may enter (/root/...) cannot be run as nobody at all
      if (asNobody(['version']).code !== 0) return this.skip();
      for (const args of verbs) {
        const r = asNobody(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(1);
        expect(r.stderr, args.join(' ')).to.match(new RegExp(`^error: podrun ${args[0]} needs root: `));
        expect(r.stderr + r.stdout, args.join(' ')).to.not.match(/No resources found|podrun bug|\n\s+at /);
      }
      expect(asNobody(['get', 'pods', '--help']).code).to.equal(0);
      const imp = asNobody(['import', t.root, 'x:1']);
      expect(imp.code).to.equal(1);
      expect(imp.stderr).to.match(/^error: permission denied, (mkdir|open|scandir) '[^']+'\n {2}hint: podrun runs as root \(sudo\); the image commands also take a --root DIR you can write\n$/);
    } finally {
      t.cleanup();
    }
  });

  it('exits 2 for an unknown command or option', async () => {
    expect((await capture(['frobnicate'])).code).to.equal(2);
    expect((await capture(['apply', '--bogus'])).code).to.equal(2);
  });
});
