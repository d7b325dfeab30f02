// `podrun completion bash|zsh|fish` loaded in the real shells, completing against a real pod:
// its name, its containers after -c, TYPE/NAME, an object's name, a flag's value after = and an
// image name with a colon (bash splits words at = and :).
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { dirname, join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot, PODRUN } from '../helpers/cli';
import { podManifest, setUpSuite, tearDownSuite, writeManifest, type PodSuite } from './pod-helpers';

const have = (shell: string) => spawnSync(shell, ['-c', 'true']).status === 0;

describe('completion in bash, zsh and fish (a real pod)', function () {
  let s: PodSuite | undefined;
  let env: NodeJS.ProcessEnv = {};
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-completion-');
    const sleep = ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 0.1; done"];
    const pod = podManifest('web', { terminationGracePeriodSeconds: 1, containers: ['app', 'side'].map((name) => ({ name, image: 'busybox:test', imagePullPolicy: 'Never', command: sleep })) });
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } });
    const a = s.run(['apply', '-f', writeManifest(join(s.root, 'm'), 'web.yaml', `${pod}\n---\n${cm}`)]);
    expect(a.code, a.stderr).to.equal(0);
    env = { ...process.env, PODRUN_ROOT: s.root, PATH: `${dirname(PODRUN)}:${process.env.PATH}` };
  });
  after(() => tearDownSuite(s));

  // what the shell offers for LINE (the cursor at its end)
  const bash = (line: string) => {
    const script = `source <(podrun completion bash)
COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"; [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_podrun_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['--norc', '-c', script], { env, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    return r.stdout.split('\n').filter(Boolean).sort();
  };
  const zsh = (line: string) => {
    const words = line.split(' ');
    const script = `compdef() { :; }; compadd() { local pre=''; [[ $1 == -S && -z $2 ]] && { pre='NOSPACE '; shift 2; }; [[ $1 == -- ]] && shift; local c; for c in "$@"; do print -r -- "$pre$c"; done; }; _files() { print FILES; }
source <(podrun completion zsh)
words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}
_podrun`;
    const r = spawnSync('zsh', ['-f', '-c', script], { env, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    return r.stdout.split('\n').filter(Boolean).sort();
  };
  const fish = (line: string) => {
    const r = spawnSync('fish', ['--no-config', '-c', `podrun completion fish | source; complete -C ${JSON.stringify(line)}`], { env, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0])
      .sort();
  };

  it('bash: with COMP_WORDBREAKS without : (as bash-completion users set it), a candidate keeps its whole name', function () {
    const script = `source <(podrun completion bash)
COMP_WORDBREAKS=\${COMP_WORDBREAKS//:}
COMP_LINE='podrun rmi busybox:'; COMP_POINT=\${#COMP_LINE}; COMP_WORDS=(podrun rmi busybox:); COMP_CWORD=2
_podrun_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['--norc', '-c', script], { env, encoding: 'utf8' });
    expect(r.stdout).to.equal('busybox:test\n');
  });

  it('bash: `complete -F` registered; pods, containers, TYPE/NAME, objects, flag values after =, images after :', function () {
    expect(have('bash'), 'bash (scripts/setup.sh installs it)').to.equal(true);
    const r = spawnSync('bash', ['--norc', '-c', 'source <(podrun completion bash); complete -p podrun'], { env, encoding: 'utf8' });
    expect(r.stdout).to.equal('complete -o default -F _podrun_complete podrun\n');
    expect(bash('podrun lo')).to.deep.equal(['load', 'login', 'logout', 'logs']);
    expect(bash('podrun logs w')).to.deep.equal(['web']);
    expect(bash('podrun exec web -c ')).to.deep.equal(['app', 'side']);
    expect(bash('podrun logs web/')).to.deep.equal([]); // POD/CONTAINER is typed, not offered
    expect(bash('podrun get pod/')).to.deep.equal(['pod/web']);
    expect(bash('podrun get configmaps ')).to.deep.equal(['settings']);
    expect(bash('podrun describe cm/s')).to.deep.equal(['cm/settings']);
    expect(bash('podrun get --output=ya')).to.deep.equal(['yaml']); // bash keeps `--output=`
    expect(bash('podrun rmi busybox:')).to.deep.equal(['test']); // and `busybox:`
    expect(bash('podrun logs -n ')).to.deep.equal(['default']);
    expect(bash('podrun logs -n dev ')).to.deep.equal([]); // no pods there
    expect(bash('podrun logs web ')).to.deep.equal([]); // one pod: logs takes no second
    expect(bash('podrun exec pod/w')).to.deep.equal(['pod/web']);
    expect(bash('podrun get po,s')).to.deep.equal(['po,secrets', 'po,services', 'po,statefulsets']);
    expect(bash(`PODRUN_ROOT=${join(s!.root, 'nothing')} podrun logs w`)).to.deep.equal([]); // the line's VAR=value is honoured
    expect(bash(`podrun --root ${s!.root} logs w`)).to.deep.equal(['web']);
    // cp: POD: (and no space after it, kubectl's NoSpace), or local files
    expect(bash('podrun cp w')).to.deep.equal(['web:']);
    const cp = spawnSync('bash', ['--norc', '-c', `source <(podrun completion bash); compopt() { echo "compopt $*"; }
COMP_LINE='podrun cp w'; COMP_POINT=\${#COMP_LINE}; COMP_WORDS=(podrun cp w); COMP_CWORD=2; _podrun_complete`], { env, encoding: 'utf8' });
    expect(cp.stdout).to.equal('compopt -o nospace\n');
  });

  it('zsh: the same candidates through compadd; files through _files', function () {
    expect(have('zsh'), 'zsh (scripts/setup.sh installs it)').to.equal(true);
    expect(zsh('podrun logs w')).to.deep.equal(['web']);
    expect(zsh('podrun exec web -c ')).to.deep.equal(['app', 'side']);
    expect(zsh('podrun get --output=ya')).to.deep.equal(['--output=yaml']);
    expect(zsh('podrun apply -f ')).to.deep.equal(['FILES']);
    // cp's POD: with no space after it (kubectl's NoSpace); a path is a local file
    expect(zsh('podrun cp w')).to.deep.equal(['NOSPACE web:']);
    expect(zsh('podrun cp ./')).to.deep.equal(['FILES']);
  });

  it('fish: complete -C offers the pod and its containers', function () {
    expect(have('fish'), 'fish (scripts/setup.sh installs it)').to.equal(true);
    expect(fish('podrun logs w')).to.deep.equal(['web']);
    expect(fish('podrun logs web -c ')).to.deep.equal(['app', 'side']);
    expect(fish('podrun get pod/')).to.deep.equal(['pod/web']);
  });
});
