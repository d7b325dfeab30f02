// The CLI entry point: help is a result on stdout (exit 0), bad usage an error (exit 2).
import { expect } from 'chai';
import { parseArgs } from '../../src/cli/args';
import { run } from '../../src/cli/main';
import { podrun, tempRoot } from '../helpers/cli';

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
      expect(r.out).to.include('Usage:\n  podrun logs POD[/CONTAINER]');
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
  });

  it('exits 2 for an unknown command or option', async () => {
    expect((await capture(['frobnicate'])).code).to.equal(2);
    expect((await capture(['apply', '--bogus'])).code).to.equal(2);
  });
});
