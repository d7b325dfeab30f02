// The CLI teaches (issue 14): every verb's --help lists every flag with a line and examples that
// parse; `podrun help VERB` is the same text; a mistyped flag or verb gets podrun's own message
// with a suggestion; the man pages are generated from the same specs; completion offers verbs,
// subcommands, flags and their values (the pod and container names: test/integration/completion.test.ts).
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { editDistance, nearestFlag, parseArgs, type VerbSpec } from '../../src/cli/args';
import { candidates } from '../../src/cli/complete';
import { run, VERBS } from '../../src/cli/main';
import { HelpRequest } from '../../src/util/errors';
import { podrun, tempRoot } from '../helpers/cli';

let t: ReturnType<typeof tempRoot>;
before(() => (t = tempRoot('podrun-help-')));
after(() => t.cleanup());

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(argv, (s) => (out += s));
  return { code, out };
}

/** Every spec: the verbs' and their groups' commands. */
function allSpecs(): VerbSpec[] {
  return Object.values(VERBS).flatMap((v) => {
    const { spec } = v.load();
    return [spec, ...Object.values(spec.subcommands ?? {})];
  });
}

/** A shell-ish split of an example: quotes kept together, `podrun` and what follows a redirection dropped. */
function exampleArgs(cmd: string): string[] {
  const from = cmd.slice(cmd.indexOf('podrun ') + 'podrun '.length).replace(/\)$/, '');
  const words = from.match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
  const cut = words.findIndex((w) => w === '<' || w === '>' || w === '|');
  return (cut >= 0 ? words.slice(0, cut) : words).map((w) => w.replace(/^'(.*)'$|^"(.*)"$/, '$1$2'));
}

describe('cli help: every verb teaches its flags', () => {
  it('--help of every verb and group command: the description, examples, every flag with its line, the usage', async () => {
    for (const spec of allSpecs()) {
      const r = await capture([...spec.name.split(' '), '--help']);
      expect(r.code, spec.name).to.equal(0);
      expect(r.out, spec.name).to.include(spec.description);
      expect(r.out, spec.name).to.include(`Usage:\n  podrun ${spec.name}`);
      for (const [name, f] of Object.entries(spec.options)) {
        expect(f.help.trim(), `${spec.name} --${name}`).to.not.equal('');
        expect(r.out, `${spec.name} --${name}`).to.match(new RegExp(`${f.short ? `-${f.short}, ` : '    '}--${name}\\b.*  ${f.help.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      }
      if (!['job-controller', 'sync-services'].includes(spec.name)) expect(spec.examples.length, `${spec.name} has examples`).to.be.greaterThan(0);
    }
  });

  it("every example's flags are the verb's own (an example never drifts from the flags)", () => {
    for (const spec of allSpecs())
      for (const [, cmd] of spec.examples) {
        let words = exampleArgs(cmd);
        const [verb, sub] = words;
        let s = VERBS[verb]?.load().spec;
        expect(s, cmd).to.not.equal(undefined);
        words = words.slice(1);
        if (s!.subcommands && sub && s!.subcommands[sub]) {
          s = s!.subcommands[sub];
          words = words.slice(1);
        }
        expect(() => parseArgs(words, s!), cmd).to.not.throw();
      }
  });

  it("`podrun help VERB [COMMAND]` is VERB's --help; `help` alone lists the commands, completion among them", async () => {
    for (const argv of [['logs'], ['image', 'prune'], ['create']]) expect((await capture(['help', ...argv])).out).to.equal((await capture([...argv, '--help'])).out);
    const h = await capture(['help']);
    expect(h.out).to.match(/\n {2}completion {3}print the shell completion script/);
    expect(h.out).to.include("Run 'podrun help COMMAND'");
    const bad = podrun(t.root, ['help', 'lgos']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.equal("error: unknown command 'lgos'\n  hint: did you mean 'podrun logs'? Run 'podrun help' for the list.\n");
  });

  it('throws HelpRequest (exit 0, stdout) for -h and --help anywhere before --', () => {
    const spec = VERBS.logs.load().spec;
    expect(() => parseArgs(['web', '-h'], spec)).to.throw(HelpRequest);
    expect(() => parseArgs(['-f', '--help'], spec)).to.throw(HelpRequest);
  });
});

describe('cli help: mistakes get podrun\'s own message', () => {
  const table: Array<[string[], string]> = [
    [['logs', 'web', '--folow'], "error: unknown flag: --folow\n  hint: did you mean --follow? (see 'podrun logs --help' for its flags)\n"],
    [['get', 'pods', '--show-label'], "error: unknown flag: --show-label\n  hint: did you mean --show-labels? (see 'podrun get --help' for its flags)\n"],
    [['apply', '--dryrun', '-f', 'x'], "error: unknown flag: --dryrun\n  hint: did you mean --dry-run? (see 'podrun apply --help' for its flags)\n"],
    [['delete', 'pod', 'x', '--grace'], "error: unknown flag: --grace\n  hint: did you mean --grace-period? (see 'podrun delete --help' for its flags)\n"],
    [['logs', 'web', '--xyzzy'], "error: unknown flag: --xyzzy\n  hint: see 'podrun logs --help' for its flags\n"],
    [['logs', 'web', '-z'], "error: unknown flag: -z\n  hint: see 'podrun logs --help' for its flags\n"],
    [['logs', 'web', '--tail'], "error: flag needs an argument: --tail\n  hint: see 'podrun logs --help' for its flags\n"],
    [['image', 'prune', '--al'], "error: unknown flag: --al\n  hint: did you mean --all? (see 'podrun image prune --help' for its flags)\n"],
    [['completoin', 'bash'], "error: unknown command 'completoin'\n  hint: did you mean 'podrun completion'? Run 'podrun help' for the list.\n"],
    [['comp'], "error: unknown command 'comp'\n  hint: did you mean 'podrun completion'? Run 'podrun help' for the list.\n"],
    [['xyzzy'], "error: unknown command 'xyzzy'\n  hint: run 'podrun help' for the list\n"],
    // docker's verbs: what podrun has instead, never a near name that does something else (run is not rmi)
    [['run', 'busybox'], "error: unknown command 'run'\n  hint: podrun runs pods from manifests: 'podrun apply -f FILE' (or 'podrun up'); 'podrun help' lists the commands\n"],
    [['ps'], "error: unknown command 'ps'\n  hint: 'podrun get pods' lists the pods; 'podrun help' lists the commands\n"],
    [['apply', '-f'], "error: flag needs an argument: -f\n  hint: see 'podrun apply --help' for its flags\n"],
    [['apply', '--filename'], "error: flag needs an argument: --filename\n  hint: see 'podrun apply --help' for its flags\n"],
    [['completion', 'tcsh'], "error: completion: unknown shell 'tcsh'\n  hint: podrun completes in bash, zsh and fish\n"],
  ];
  for (const [argv, said] of table)
    it(`podrun ${argv.join(' ')}: exit 2, ${JSON.stringify(said.split('\n')[0])}`, async () => {
      const r = podrun(t.root, argv);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal(said);
      expect(r.stdout).to.equal('');
    });

  it('nearestFlag: a unique prefix, or at most two edits (fewer for short names); editDistance counts a swap of neighbours as one', () => {
    const opts = VERBS.get.load().spec.options;
    const cases: Array<[string, string | undefined]> = [
      ['--no-header', 'no-headers'],
      ['--selctor', 'selector'],
      ['--ou', 'output'],
      ['--n', undefined], // one letter: too short to guess
      ['--wach', 'watch'],
      ['--frobnicate', undefined],
      ['--outptu=json', 'output'],
    ];
    for (const [typed, want] of cases) expect(nearestFlag(typed, opts), typed).to.equal(want);
    expect([editDistance('', 'ab'), editDistance('logs', 'lgos'), editDistance('kitten', 'sitting'), editDistance('ab', 'ab')]).to.deep.equal([2, 1, 3, 0]);
  });
});

describe('cli help: man pages from the same specs', () => {
  const dir = join(__dirname, '..', '..', 'man', 'man1');
  it('one page per verb and group command, every flag in it, and podrun(1) naming each command; man renders them without a warning', () => {
    expect(readFileSync(join(dir, 'podrun.1'), 'utf8')).to.include('\\fBcompletion\\fR');
    const haveMan = spawnSync('man', ['--version']).status === 0;
    for (const spec of allSpecs()) {
      const file = join(dir, `podrun-${spec.name.replace(/ /g, '-')}.1`);
      expect(existsSync(file), file).to.equal(true);
      const page = readFileSync(file, 'utf8');
      for (const name of Object.keys(spec.options)) expect(page, `${spec.name} --${name}`).to.include(`\\-\\-${name.replace(/-/g, '\\-')}`);
      if (!haveMan) continue;
      const r = spawnSync('man', ['--warnings', '-l', file], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '' } });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stderr, spec.name).to.equal('');
      expect(r.stdout, spec.name).to.include(`podrun ${spec.name}`);
    }
  });
});

describe('cli completion: verbs, subcommands, flags and their values', () => {
  const c = (...words: string[]) => candidates(words, VERBS, { root: t.root, runRoot: join(t.root, 'run') });

  it('completes from the specs, and creates nothing in a root that has no state', () => {
    expect(c('')).to.include.members(['apply', 'get', 'logs', 'completion', 'help']);
    expect(c('lo')).to.deep.equal(['logs', 'load', 'login', 'logout']);
    expect(c('help', 'sc')).to.deep.equal(['scale']);
    expect(c('image', '')).to.deep.equal(['ls', 'rm', 'prune', 'inspect']);
    expect(c('image', 'prune', '--')).to.deep.equal(['--all', '--force', '--help']);
    expect(c('logs', '--f')).to.deep.equal(['--follow']);
    expect(c('get', '-o', '')).to.deep.equal(['wide', 'json', 'yaml', 'name', 'jsonpath=', 'custom-columns=']);
    expect(c('get', '--output=y')).to.deep.equal(['--output=yaml']);
    expect(c('get', '')).to.include.members(['pods', 'deployments', 'statefulsets', 'jobs', 'services', 'configmaps', 'persistentvolumeclaims']);
    expect(c('apply', '-f', '')).to.deep.equal([':files']);
    expect(c('completion', '')).to.deep.equal(['bash', 'zsh', 'fish']);
    expect(c('logs', '-n', '')).to.deep.equal(['default']);
    expect(c('logs', '')).to.deep.equal([]); // no pods
    expect(c('exec', 'web', '--', '')).to.deep.equal([]); // the command's own words
    expect(c('frobnicate', '')).to.deep.equal([]);
    expect(c('get', 'po,d')).to.deep.equal(['po,deployments', 'po,daemonsets']);
    expect(c('get', 'a')).to.deep.equal(['all']);
    expect(c('logs', 'web', '')).to.deep.equal([]); // logs takes one pod
    expect(c('rmi', 'x', '')).to.deep.equal([]); // no images here, but a next one is asked for
    expect(c('get', 'pods', 'a', '')).to.deep.equal([]);
    expect(existsSync(join(t.root, 'run'))).to.equal(false);
    expect(existsSync(join(t.root, 'pods'))).to.equal(false);
    expect(existsSync(join(t.root, 'images'))).to.equal(false);
  });
});
