// Workloads on real pods (docs/workloads.md): a Deployment's pods named and labelled as its
// controller names them, kept by an unchanged apply, rolled one at a time behind readiness by a
// changed template, scaled, replaced when one is deleted, deleted with it; a StatefulSet's ordered
// pods with host names and their own claims, updated in place from the highest ordinal, claims
// kept by delete and scale; a DaemonSet's one pod; a ReplicaSet that replaces nothing; --prune;
// a rollout past its progress deadline.
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { haveBusybox } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { haveScript, inTerminal, setUpSuite, tearDownSuite, until, writeManifest, type PodSuite } from './pod-helpers';
import { spawnSync } from 'child_process';

const ALNUM = '[bcdfghjklmnpqrstvwxz2456789]';
// PID 1 that stops at once on SIGTERM, ready once /tmp/ready exists (after DELAY seconds)
const command = (delay: number) => ['sh', '-c', `trap 'exit 0' TERM; sleep ${delay}; touch /tmp/ready; while :; do sleep 0.1; done`];
const readiness = { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 };

function workload(kind: string, name: string, spec: Record<string, unknown>, container: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): string {
  const labels = { app: name };
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind,
    metadata: { name },
    spec: {
      selector: { matchLabels: labels },
      ...spec,
      template: {
        metadata: { labels },
        spec: { terminationGracePeriodSeconds: 5, ...podSpec, containers: [{ name: 'app', image: 'busybox:test', imagePullPolicy: 'Never', command: command(0), readinessProbe: readiness, ...container }] },
      },
    },
  });
}

describe('workloads: Deployment, StatefulSet, DaemonSet, ReplicaSet (real pods)', function () {
  let s: PodSuite | undefined;
  let dir = '';
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-workloads-');
    dir = join(s.root, 'manifests');
  });
  after(() => tearDownSuite(s)); // it deletes the workloads first

  const run = (args: string[]) => {
    const r = s!.run(args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r;
  };
  const pods = (app: string) =>
    (JSON.parse(run(['get', 'pods', '-o', 'json']).stdout).items as { metadata: { name: string; labels: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown>; status: { containerStatuses: { ready: boolean }[] } }[]).filter(
      (p) => p.metadata.labels.app === app,
    );
  const names = (app: string) => pods(app).map((p) => p.metadata.name).sort();
  const row = (kind: string, name: string) => run(['get', kind, name]).stdout.split('\n')[1].split(/\s{2,}/);

  it('Deployment: pods named NAME-HASH-XXXXX; unchanged apply keeps them; a changed template rolls them one at a time behind readiness', () => {
    const f = writeManifest(dir, 'web.yaml', workload('Deployment', 'web', { replicas: 2 }, { env: [{ name: 'V', value: 'one' }] }));
    const a = run(['apply', '-f', f]);
    expect(a.stdout).to.equal('deployment.apps/web created (2 pods created)\n');
    const first = pods('web');
    expect(first).to.have.length(2);
    const hash = first[0].metadata.labels['pod-template-hash'];
    for (const p of first) {
      expect(p.metadata.name).to.match(new RegExp(`^web-${hash}-${ALNUM}{5}$`));
      expect(p.metadata.annotations?.['podrun.dev/controlled-by']).to.equal('Deployment/web');
    }
    expect(run(['wait', '--for=condition=Available', 'deployment/web', '--timeout', '30s']).stdout).to.equal('deployment.apps/web condition met\n');
    run(['wait', '--for=condition=Ready', ...first.map((p) => `pod/${p.metadata.name}`), '--timeout', '30s']);
    expect(row('deployments', 'web').slice(0, 4)).to.deep.equal(['web', '2/2', '2', '2']);
    // kubectl's -l, --show-labels, --no-headers
    expect(run(['get', 'pods', '-l', `app=web,pod-template-hash=${hash}`, '-o', 'name']).stdout).to.equal(first.map((p) => `pod/${p.metadata.name}\n`).sort().join(''));
    const none = run(['get', 'pods', '-l', 'app=nothing']);
    expect([none.stdout, none.stderr]).to.deep.equal(['', 'No resources found in default namespace.\n']);
    const labelled = run(['get', 'pods', '-l', 'app=web', '--show-labels', '--no-headers']).stdout.trim().split('\n');
    expect(labelled).to.have.length(2);
    for (const l of labelled) expect(l).to.match(new RegExp(`^web-\\S+\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+app=web,pod-template-hash=${hash}$`));
    expect(run(['get', 'deploy', '--show-labels']).stdout.split('\n')[0]).to.match(/AGE\s+LABELS$/);
    const both = s!.run(['get', 'pods', first[0].metadata.name, '-l', 'app=web']);
    expect([both.code, both.stderr.split('\n')[0]]).to.deep.equal([2, 'error: name cannot be provided when a selector is specified']);
    expect(run(['apply', '-f', f]).stdout).to.equal('deployment.apps/web unchanged\n');
    expect(names('web')).to.deep.equal(first.map((p) => p.metadata.name).sort());

    // a new env: new pods (new hash), each ready (after 1 s) before an old one goes
    writeManifest(dir, 'web.yaml', workload('Deployment', 'web', { replicas: 2 }, { env: [{ name: 'V', value: 'two' }], command: command(1) }));
    const r = run(['apply', '-f', f]);
    expect(r.stdout).to.equal('deployment.apps/web configured (2 pods created, 2 deleted)\n');
    const steps = r.stderr.split('\n').filter((l) => l.startsWith('deployment.apps/web: '));
    const kinds = steps.filter((l) => !/ deleted$/.test(l)).map((l) => (/ created$/.test(l) ? 'create' : / stopping$/.test(l) ? 'stop' : /waiting for pod/.test(l) ? 'wait' : l));
    // maxSurge 1, maxUnavailable 0: make one, wait until it is ready, stop one old; twice (an old pod stopping holds nothing up)
    expect(kinds).to.deep.equal(['create', 'wait', 'stop', 'create', 'wait', 'stop']);
    expect(steps.filter((l) => / deleted$/.test(l))).to.have.length(2);
    const now = pods('web');
    expect(now).to.have.length(2);
    const newHash = now[0].metadata.labels['pod-template-hash'];
    expect(newHash).to.not.equal(hash);
    for (const p of now) expect(p.metadata.name).to.match(new RegExp(`^web-${newHash}-`));
    expect(run(['exec', now[0].metadata.name, '--', 'sh', '-c', 'echo $V']).stdout).to.equal('two\n');
    expect(row('deployments', 'web').slice(0, 4)).to.deep.equal(['web', '2/2', '2', '2']);
  });

  it('get all, get deploy,po and mixed TYPE/NAME: one table per kind, names with their type, one List for -o json', () => {
    const svc = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } });
    run(['apply', '-f', writeManifest(dir, 'all.yaml', `${svc}\n---\n${cm}`)]);
    // the Service keeps the cluster IP it was given: no difference (diff -f exit 0)
    expect(s!.run(['diff', '-f', join(dir, 'all.yaml')]).code).to.equal(0);
    const pods = names('web');
    const pod = pods[0];
    const out = run(['get', 'all']).stdout;
    const tables = out.split('\n\n');
    expect(tables.map((t) => t.split('\n')[0].split(/\s+/).slice(0, 2).join(' '))).to.deep.equal(['NAME READY', 'NAME TYPE', 'NAME READY']);
    for (const p of pods) expect(tables[0]).to.match(new RegExp(`\\npod/${p} +1/1 +Running `));
    expect(tables[1]).to.match(/\nservice\/web +ClusterIP /);
    expect(tables[2]).to.match(new RegExp(`\\ndeployment\\.apps/web +${pods.length}/${pods.length} +${pods.length} +${pods.length} `));
    expect(out).to.not.include('settings'); // all is what runs: no ConfigMaps
    expect(run(['get', 'deploy,po', '-o', 'name']).stdout).to.equal(`deployment.apps/web\n${pods.map((p) => `pod/${p}\n`).join('')}`);
    // pods by their status, as the API server's field selectors take them
    expect(run(['get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name']).stdout).to.equal(pods.map((p) => `pod/${p}\n`).join(''));
    expect(run(['get', 'pods', '--field-selector', 'status.phase!=Running', '-o', 'name']).stdout).to.equal('');
    expect(run(['get', 'pods', '--sort-by', '{.metadata.name}', '-o', 'jsonpath={.items[*].metadata.name}']).stdout).to.equal([...pods].sort().join(' '));
    expect(run(['get', `pod/${pod}`, 'cm/settings', '-o', 'name']).stdout).to.equal(`pod/${pod}\nconfigmap/settings\n`);
    const list = JSON.parse(run(['get', 'svc,cm', '-o', 'json']).stdout);
    expect(list.kind).to.equal('List');
    expect(list.items.map((i: { kind: string; metadata: { name: string } }) => `${i.kind}/${i.metadata.name}`)).to.deep.equal(['Service/web', 'ConfigMap/settings']);
    const missing = s!.run(['get', 'svc,cm', 'web', '-o', 'name']);
    expect([missing.code, missing.stdout, missing.stderr.split('\n')[0]]).to.deep.equal([1, 'service/web\n', 'Error from server (NotFound): configmaps "web" not found']);
    run(['delete', 'svc', 'web']);
    run(['delete', 'cm', 'settings']);
  });

  it('logs and exec take deploy/NAME: one of its pods (running and ready first, then the oldest), named on stderr; a workload not there is said', () => {
    const all = names('web');
    const e = run(['exec', 'deploy/web', '--', 'hostname']);
    const chosen = e.stdout.trim();
    expect(all).to.include(chosen);
    expect(e.stderr).to.equal(`Found ${all.length} pods, using pod/${chosen}\n`);
    const l = run(['logs', 'deployment.apps/web', '--tail', '1']);
    expect(l.stderr).to.equal(`Found ${all.length} pods, using pod/${chosen}\n`);
    const none = s!.run(['logs', 'sts/nothere']);
    expect([none.code, none.stderr.split('\n')[0]]).to.deep.equal([1, 'Error from server (NotFound): statefulsets.apps "nothere" not found']);
    // a Service's pods, by its selector, chosen the same way
    run(['apply', '-f', writeManifest(dir, 'svc.yaml', JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'front' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }))]);
    expect(run(['exec', 'svc/front', '--', 'hostname']).stdout.trim()).to.equal(chosen);
    run(['delete', 'svc', 'front']);
    const cm = s!.run(['logs', 'cm/settings']);
    expect([cm.code, cm.stderr.split('\n')[0]]).to.deep.equal([2, 'error: cm/settings: a ConfigMap has no pods']);
  });

  it('rollout restart replaces every pod (the next apply of the file rolls nothing again); rollout status says it is done; history is refused', () => {
    const before = names('web');
    const r = run(['rollout', 'restart', 'deploy/web']);
    expect(r.stdout).to.equal('deployment.apps/web restarted\n');
    const after = names('web');
    expect(after).to.have.length(before.length);
    expect(after.filter((n) => before.includes(n))).to.deep.equal([]);
    const d = JSON.parse(run(['get', 'deploy', 'web', '-o', 'json']).stdout);
    expect(d.spec.template.metadata.annotations).to.have.property('kubectl.kubernetes.io/restartedAt');
    expect(run(['rollout', 'status', 'deploy/web']).stdout).to.equal('deployment "web" successfully rolled out\n');
    expect(run(['apply', '-f', join(dir, 'web.yaml')]).stdout).to.equal('deployment.apps/web unchanged\n');
    expect(names('web')).to.deep.equal(after);
    const h = s!.run(['rollout', 'history', 'deploy/web']);
    expect([h.code, h.stderr.split('\n')[0]]).to.deep.equal([2, 'error: podrun rollout history is not supported']);
    expect(s!.run(['rollout', 'restart', 'job/x']).code).to.equal(2);
  });

  it('Deployment: scale up and down; a deleted pod is replaced; delete takes its pods', () => {
    expect(run(['scale', 'deployment/web', '--replicas', '3']).stdout).to.equal('deployment.apps/web scaled\n');
    expect(names('web')).to.have.length(3);
    expect(run(['scale', 'deploy', 'web', '--replicas=1']).stdout).to.equal('deployment.apps/web scaled\n');
    const [one] = names('web');
    expect(names('web')).to.have.length(1);
    const d = run(['delete', 'pod', one, '--now']);
    expect(d.stdout).to.equal(`pod "${one}" deleted\n`);
    expect(d.stderr).to.match(/deployment\.apps\/web: pod web-\S+ created/);
    const replaced = names('web');
    expect(replaced).to.have.length(1);
    expect(replaced[0]).to.not.equal(one);
    const y = JSON.parse(run(['get', 'deployment', 'web', '-o', 'json']).stdout);
    expect(y).to.include({ apiVersion: 'apps/v1', kind: 'Deployment' });
    expect(y.spec.replicas).to.equal(1);
    expect(y.status).to.include({ replicas: 1, updatedReplicas: 1 });
    // describe: kubectl's Pod Template, with what the containers run (env, ports, probes) and the strategy
    const d2 = run(['describe', 'deploy', 'web']).stdout;
    expect(d2).to.include('StrategyType:           RollingUpdate\nMinReadySeconds:        0\nRollingUpdateStrategy:  25% max unavailable, 25% max surge\n');
    expect(d2).to.match(/\n  Containers:\n   app:\n    Image:      busybox:test\n    Port:       <none>\n    Host Port:  <none>\n    Command:\n      sh\n/);
    expect(d2).to.match(/\n    Readiness:  exec \[.*\] delay=0s timeout=1s period=\d+s #success=1 #failure=\d+\n/);
    expect(d2).to.match(/\n    Environment:\n      V:  \w+\n    Mounts:       <none>\n  Volumes:        <none>\n/);
    expect(run(['delete', 'deployment', 'web', '--now']).stdout).to.equal('deployment.apps "web" deleted\n');
    expect(names('web')).to.deep.equal([]);
    expect(s!.run(['get', 'deploy', 'web']).code).to.equal(1);
  });

  it('StatefulSet: web-0 then web-1 (OrderedReady), host names, a claim each; updates in place from the top; claims kept by delete and scale', () => {
    const svc = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 80 }] } });
    const sts = (v: string) =>
      workload(
        'StatefulSet',
        'db',
        { replicas: 2, serviceName: 'db', volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] },
        { env: [{ name: 'V', value: v }], command: command(1), volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      );
    const f = writeManifest(dir, 'db.yaml', `${svc}\n---\n${sts('one')}`);
    const a = run(['apply', '-f', f]);
    expect(a.stdout).to.equal('service/db created\nstatefulset.apps/db created (2 pods created)\n');
    const lines = a.stderr.split('\n').filter((l) => l.startsWith('statefulset.apps/db: '));
    expect(lines[0]).to.equal('statefulset.apps/db: pod db-0 created');
    expect(lines[1]).to.match(/^statefulset\.apps\/db: waiting for pod db-0 to be ready/);
    expect(lines[2]).to.equal('statefulset.apps/db: pod db-1 created');
    expect(names('db')).to.deep.equal(['db-0', 'db-1']);
    expect(run(['exec', 'db-1', '--', 'hostname']).stdout).to.equal('db-1\n');
    expect(run(['exec', 'db-0', '--', 'hostname', '-f']).stdout).to.equal('db-0.db.default.svc.cluster.local\n');
    expect(run(['get', 'pvc', '-o', 'name']).stdout).to.equal('persistentvolumeclaim/data-db-0\npersistentvolumeclaim/data-db-1\n');
    run(['exec', 'db-0', '--', 'sh', '-c', 'echo kept > /data/marker']);

    writeManifest(dir, 'db.yaml', `${svc}\n---\n${sts('two')}`);
    const u = run(['apply', '-f', f]);
    expect(u.stdout).to.equal('service/db unchanged\nstatefulset.apps/db configured (2 updated)\n');
    const updated = u.stderr.split('\n').filter((l) => / updated /.test(l));
    expect(updated.map((l) => l.split(' ')[2])).to.deep.equal(['db-1', 'db-0']);
    expect(updated[0]).to.include('container app restarted: env changed');
    expect(run(['exec', 'db-0', '--', 'sh', '-c', 'echo $V; cat /data/marker']).stdout).to.equal('two\nkept\n');

    const d = run(['delete', '-f', f, '--now']);
    expect(d.stdout).to.equal('statefulset.apps "db" deleted\nservice "db" deleted\n');
    expect(names('db')).to.deep.equal([]);
    expect(run(['get', 'pvc', '-o', 'name']).stdout).to.equal('persistentvolumeclaim/data-db-0\npersistentvolumeclaim/data-db-1\n');
    run(['apply', '-f', f]);
    expect(run(['exec', 'db-0', '--', 'cat', '/data/marker']).stdout).to.equal('kept\n');
    expect(run(['scale', 'sts', 'db', '--replicas', '1']).stderr).to.include('statefulset.apps/db: pod db-1 deleted');
    expect(names('db')).to.deep.equal(['db-0']);
    expect(run(['get', 'pvc', '-o', 'name']).stdout).to.include('data-db-1');
    expect(row('statefulsets', 'db').slice(0, 2)).to.deep.equal(['db', '1/1']);
    run(['delete', '-f', f, '--now']);
    run(['delete', 'pvc', 'data-db-0', 'data-db-1']);
  });

  it('StatefulSet: retention Delete deletes the claims it made (scaled away, then all), never a claim the user made', () => {
    const spec = {
      replicas: 2,
      podManagementPolicy: 'Parallel',
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    };
    const mine = JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-rp-5' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    run(['apply', '-f', writeManifest(dir, 'mine.yaml', mine)]);
    const f = writeManifest(dir, 'rp.yaml', workload('StatefulSet', 'rp', spec, { command: command(1), volumeMounts: [{ name: 'data', mountPath: '/data' }] }));
    run(['apply', '-f', f]);
    expect(run(['get', 'pvc', '-o', 'name']).stdout).to.equal('persistentvolumeclaim/data-rp-0\npersistentvolumeclaim/data-rp-1\npersistentvolumeclaim/data-rp-5\n');
    run(['scale', 'sts', 'rp', '--replicas', '1']);
    expect(run(['get', 'pvc', '-o', 'name']).stdout).to.equal('persistentvolumeclaim/data-rp-0\npersistentvolumeclaim/data-rp-5\n');
    run(['delete', '-f', f, '--now']);
    expect(run(['get', 'pvc', '-o', 'name']).stdout).to.equal('persistentvolumeclaim/data-rp-5\n');
    run(['delete', 'pvc', 'data-rp-5']);
  });

  it('StatefulSet: a partition keeps the pods below it on the old template, also when made again; its immutable fields are refused', () => {
    const sts = (v: string, extra: Record<string, unknown> = {}) =>
      workload('StatefulSet', 'part', { replicas: 2, podManagementPolicy: 'Parallel', updateStrategy: { rollingUpdate: { partition: 1 } }, ...extra }, { env: [{ name: 'V', value: v }] });
    const f = writeManifest(dir, 'part.yaml', sts('one'));
    run(['apply', '-f', f]);
    run(['wait', '--for=condition=Ready', 'pod/part-0', 'pod/part-1', '--timeout', '30s']);
    writeManifest(dir, 'part.yaml', sts('two'));
    expect(run(['apply', '-f', f]).stdout).to.equal('statefulset.apps/part configured (1 updated)\n');
    const v = (pod: string) => run(['exec', pod, '--', 'sh', '-c', 'echo $V']).stdout;
    expect([v('part-0'), v('part-1')]).to.deep.equal(['one\n', 'two\n']);
    // part-0 deleted: its replacement is of the revision below the partition, as the controller keeps it
    expect(run(['delete', 'pod', 'part-0', '--now']).stderr).to.include('statefulset.apps/part: pod part-0 created');
    run(['wait', '--for=condition=Ready', 'pod/part-0', '--timeout', '30s']);
    expect(v('part-0')).to.equal('one\n');
    // refused before anything is applied: the ConfigMap beside it is not stored either
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'beside' }, data: { a: '1' } });
    writeManifest(dir, 'part.yaml', `${cm}\n---\n${sts('two', { serviceName: 'other' })}`);
    const r = s!.run(['apply', '-f', f]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('error: The StatefulSet "part" is invalid: spec: Forbidden: spec.serviceName cannot change once the StatefulSet exists');
    expect(r.stdout).to.equal('');
    expect(s!.run(['get', 'cm', 'beside']).code).to.equal(1);
    run(['delete', 'sts', 'part', '--now']);
  });

  it('a Deployment whose file has no replicas keeps the count scale gave it', () => {
    const spec = JSON.parse(workload('Deployment', 'keep', {}));
    const f = writeManifest(dir, 'keep.yaml', JSON.stringify(spec));
    expect(run(['apply', '-f', f]).stdout).to.equal('deployment.apps/keep created (1 pod created)\n');
    run(['scale', 'deploy/keep', '--replicas', '2']);
    expect(run(['apply', '-f', f]).stdout).to.equal('deployment.apps/keep unchanged\n');
    expect(names('keep')).to.have.length(2);
    run(['delete', 'deploy', 'keep', '--now']);
  });

  it('DaemonSet: one pod NAME-XXXXX; ReplicaSet: counts, a changed template replaces nothing', () => {
    const ds = writeManifest(dir, 'agent.yaml', workload('DaemonSet', 'agent', {}));
    expect(run(['apply', '-f', ds]).stdout).to.equal('daemonset.apps/agent created (1 pod created)\n');
    const [agent] = names('agent');
    expect(agent).to.match(new RegExp(`^agent-${ALNUM}{5}$`));
    expect(run(['get', 'ds']).stdout.split('\n')[0].split(/\s{2,}/)).to.deep.equal(['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
    const rs = (v: string) => workload('ReplicaSet', 'rs', { replicas: 2 }, { env: [{ name: 'V', value: v }] });
    const f = writeManifest(dir, 'rs.yaml', rs('one'));
    expect(run(['apply', '-f', f]).stdout).to.equal('replicaset.apps/rs created (2 pods created)\n');
    const before = names('rs');
    writeManifest(dir, 'rs.yaml', rs('two'));
    expect(run(['apply', '-f', f]).stdout).to.equal('replicaset.apps/rs configured\n');
    expect(names('rs')).to.deep.equal(before);
    expect(run(['exec', before[0], '--', 'sh', '-c', 'echo $V']).stdout).to.equal('one\n');
    run(['delete', '-f', f, '-f', ds, '--now']);
    expect([...names('rs'), ...names('agent')]).to.deep.equal([]);
  });

  it('--prune: a workload gone from the directory goes with its pods; the pods of one still there are not pruned', () => {
    const repo = join(s!.root, 'repo');
    writeManifest(repo, 'a.yaml', workload('Deployment', 'a', { replicas: 1 }));
    writeManifest(repo, 'b.yaml', workload('Deployment', 'b', { replicas: 1 }));
    run(['apply', '-f', repo]);
    expect(run(['apply', '--prune', '-f', repo]).stdout).to.equal('deployment.apps/a unchanged\ndeployment.apps/b unchanged\n');
    expect(names('a')).to.have.length(1);
    rmSync(join(repo, 'b.yaml'));
    expect(run(['apply', '--prune', '-f', repo, '--now']).stdout).to.equal('deployment.apps/a unchanged\ndeployment.apps/b pruned\n');
    expect(names('b')).to.deep.equal([]);
    expect(names('a')).to.have.length(1);
    run(['delete', 'deploy', 'a', '--now']);
  });

  it('on a terminal, Ctrl-C while the old pods wait out their grace period kills them now (and the later ones at once); the rollout finishes', async function () {
    if (!haveScript()) this.skip();
    // PID 1 that ignores SIGTERM: each old pod would wait out its 30 s
    const stubborn = (v: string) => workload('Deployment', 'slow', { replicas: 2 }, { env: [{ name: 'V', value: v }], command: ['sh', '-c', "trap '' TERM; touch /tmp/ready; while :; do sleep 0.1; done"] }, { terminationGracePeriodSeconds: 30 });
    const f = writeManifest(dir, 'slow.yaml', stubborn('one'));
    run(['apply', '-f', f]);
    const old = names('slow');
    writeManifest(dir, 'slow.yaml', stubborn('two'));
    const t0 = Date.now();
    const term = inTerminal(s!.root, ['apply', '-f', f]);
    try {
      await until(() => term.output().includes('waiting for app to stop'), 30_000);
      term.type('\x03');
      expect(await term.done).to.equal(0);
    } finally {
      if (term.pid) spawnSync('kill', ['-KILL', String(term.pid)]);
    }
    expect(term.output()).to.include('deployment.apps/slow configured (2 pods created, 2 deleted)');
    expect(Date.now() - t0, 'well before the 30 s grace periods').to.be.below(25_000);
    const now = names('slow');
    expect(now).to.have.length(2);
    expect(now.filter((n) => old.includes(n))).to.deep.equal([]);
    run(['delete', 'deploy', 'slow', '--now']);
  });

  it("a template whose pod is refused at apply (a hostPath that is not there): exit 2 at the template's line, nothing stored", () => {
    const f = writeManifest(dir, 'hp.yaml', workload('Deployment', 'hp', { replicas: 1 }, { volumeMounts: [{ name: 'd', mountPath: '/d' }] }, { volumes: [{ name: 'd', hostPath: { path: '/nonexistent-podrun-test-dir', type: 'Directory' } }] }).replace(/,"/g, ',\n"'));
    const r = s!.run(['apply', '-f', f]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(new RegExp(`error: ${f}:\\d+: spec\\.template\\.spec\\.volumes\\[0\\]\\.hostPath\\.path: /nonexistent-podrun-test-dir does not exist \\(type Directory\\)`));
    // a template's image that is not there: at the template's field too
    const img = writeManifest(dir, 'img.yaml', workload('Deployment', 'img', { replicas: 1 }, { image: 'nothere:1', imagePullPolicy: 'Never' }));
    const m = s!.run(['apply', '-f', img]);
    expect(m.code).to.equal(1);
    expect(m.stderr).to.match(new RegExp(`error: ${img}:\\d+: spec\\.template\\.spec\\.containers\\[0\\]\\.image: image docker\\.io/library/nothere:1 not found locally`));
    expect(s!.run(['get', 'deploy', 'img']).code).to.equal(1);
    expect(s!.run(['get', 'deploy', 'hp']).code).to.equal(1);
    expect(names('hp')).to.deep.equal([]);
  });

  it('a rollout whose new pod never gets ready stops at the progress deadline; the old pod keeps running', () => {
    const f = writeManifest(dir, 'stuck.yaml', workload('Deployment', 'stuck', { replicas: 1, progressDeadlineSeconds: 2 }));
    run(['apply', '-f', f]);
    const [old] = names('stuck');
    writeManifest(dir, 'stuck.yaml', workload('Deployment', 'stuck', { replicas: 1, progressDeadlineSeconds: 2 }, { readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 } }));
    const r = s!.run(['apply', '-f', f]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/error: deployment\.apps\/stuck exceeded its progress deadline \(2s\): stuck-\S+ did not become ready/);
    expect(names('stuck')).to.include(old);
    expect(names('stuck')).to.have.length(2);
    run(['delete', 'deploy', 'stuck', '--now']);
    expect(names('stuck')).to.deep.equal([]);
    // nothing of the workloads is left in the store
    for (const k of ['deployments', 'statefulsets', 'daemonsets', 'replicasets']) {
      const d = join(s!.root, 'workloads', k);
      if (existsSync(d)) expect(readdirSync(d), k).to.deep.equal([]);
    }
  });
});

describe('workloads: Jobs over time (real pods)', function () {
  let s: PodSuite | undefined;
  let dir = '';
  before(function () {
    if (!isRoot() || !haveBusybox()) this.skip();
    s = setUpSuite('podrun-jobs-');
    dir = join(s.root, 'manifests');
  });
  after(() => tearDownSuite(s)); // it deletes the Jobs first, which stops their controllers

  const run = (args: string[]) => {
    const r = s!.run(args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r;
  };
  const job = (name: string, spec: Record<string, unknown>, command: string[], policy = 'Never') =>
    writeManifest(
      dir,
      `${name}.yaml`,
      JSON.stringify({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name },
        spec: { ...spec, template: { metadata: { annotations: { 'podrun.dev/restart-backoff': '200ms' } }, spec: { restartPolicy: policy, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:test', imagePullPolicy: 'Never', command }] } } },
      }),
    );
  const jobRow = (name: string) => run(['get', 'job', name]).stdout.split('\n')[1].split(/\s{2,}/);
  const jobJson = (name: string) => JSON.parse(run(['get', 'job', name, '-o', 'json']).stdout) as { status: Record<string, unknown> & { conditions?: { type: string; reason: string }[] } };
  const podsOf = (name: string) =>
    (JSON.parse(run(['get', 'pods', '-o', 'json']).stdout).items as { metadata: { name: string; labels: Record<string, string> }; status: { phase: string } }[]).filter((p) => p.metadata.labels['job-name'] === name);
  const controllers = (root: string) =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return cmd.includes('job-controller') && cmd.includes(root);
        } catch {
          return false;
        }
      });
  const until = async (ok: () => boolean, ms: number, what: string) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('completions 3, parallelism 2: two pods at a time, each run to completion, then Complete; the controller exits', async () => {
    const f = job('pi', { completions: 3, parallelism: 2 }, ['sh', '-c', 'sleep 0.5; echo done']);
    expect(run(['apply', '-f', f]).stdout).to.equal('job.batch/pi created (2 pods created)\n');
    expect(jobRow('pi').slice(0, 3)).to.deep.equal(['pi', 'Running', '0/3']);
    // kubectl's way: wait for the condition (its case ignored)
    expect(run(['wait', '--for=condition=complete', 'job/pi', '--timeout', '30s']).stdout).to.equal('job.batch/pi condition met\n');
    expect(jobRow('pi').slice(0, 3)).to.deep.equal(['pi', 'Complete', '3/3']);
    const pods = podsOf('pi');
    expect(pods).to.have.length(3);
    for (const p of pods) {
      expect(p.metadata.name).to.match(new RegExp(`^pi-${ALNUM}{5}$`));
      expect(p.status.phase).to.equal('Succeeded');
      expect(run(['logs', p.metadata.name]).stdout).to.equal('done\n');
    }
    const st = jobJson('pi').status;
    expect(st).to.include({ succeeded: 3, failed: 0, active: 0 });
    expect(st.conditions?.map((c) => c.type)).to.deep.equal(['Complete']);
    await until(() => controllers(s!.root).length === 0, 5000, 'the controller exits');
    expect(run(['apply', '-f', f]).stdout).to.equal('job.batch/pi unchanged\n');
    expect(podsOf('pi')).to.have.length(3);
    // a Job's template cannot change (as on a cluster); --force makes it again
    const changed = job('pi', { completions: 3, parallelism: 2 }, ['sh', '-c', 'echo other']);
    const r = s!.run(['apply', '-f', changed]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('error: The Job "pi" is invalid: spec.template: field is immutable');
    expect(run(['apply', '-f', changed, '--force']).stdout).to.equal('job.batch/pi created (2 pods created)\n');
    expect(run(['delete', 'job', 'pi', '--now']).stdout).to.equal('job.batch "pi" deleted\n');
    expect(podsOf('pi')).to.deep.equal([]);
    expect(controllers(s!.root)).to.deep.equal([]);
  });

  it('restartPolicy Never, backoffLimit 1: a failed pod is replaced once, then the Job is Failed (BackoffLimitExceeded)', async () => {
    run(['apply', '-f', job('bad', { backoffLimit: 1 }, ['sh', '-c', 'exit 3'])]);
    await until(() => jobRow('bad')[1] === 'Failed', 30_000, 'Failed');
    const pods = podsOf('bad');
    expect(pods.map((p) => p.status.phase)).to.deep.equal(['Failed', 'Failed']);
    const st = jobJson('bad').status;
    expect(st).to.include({ failed: 2, succeeded: 0 });
    expect(st.conditions?.[0]).to.include({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    // waiting for it to complete says at once that it will not
    const t0 = Date.now();
    const w = s!.run(['wait', '--for=condition=complete', 'job/bad', '--timeout', '30s']);
    expect(w.code).to.equal(1);
    expect(w.stderr).to.include('job.batch/bad failed (BackoffLimitExceeded: Job has reached the specified backoff limit): it will not complete');
    expect(Date.now() - t0).to.be.below(10_000);
    run(['delete', 'job', 'bad', '--now']);
  });

  it('restartPolicy OnFailure: the container restarts in its pod; at backoffLimit restarts the Job fails and the pod goes', async () => {
    run(['apply', '-f', job('flaky', { backoffLimit: 2 }, ['sh', '-c', 'exit 1'], 'OnFailure')]);
    await until(() => jobRow('flaky')[1] === 'Failed', 30_000, 'Failed');
    expect(jobJson('flaky').status.conditions?.[0]).to.include({ reason: 'BackoffLimitExceeded' });
    await until(() => podsOf('flaky').length === 0, 10_000, 'the running pod deleted');
    run(['delete', 'job', 'flaky', '--now']);
  });

  it('activeDeadlineSeconds: a Job running longer fails with DeadlineExceeded and its pod is deleted', async () => {
    run(['apply', '-f', job('slow', { activeDeadlineSeconds: 1 }, ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 0.1; done"])]);
    await until(() => jobRow('slow')[1] === 'Failed', 30_000, 'Failed');
    expect(jobJson('slow').status.conditions?.[0]).to.include({ reason: 'DeadlineExceeded' });
    await until(() => podsOf('slow').length === 0, 10_000, 'the pod deleted');
    run(['delete', 'job', 'slow', '--now']);
  });

  it('a controller killed is started again by the next get; ttlSecondsAfterFinished deletes the finished Job', async () => {
    run(['apply', '-f', job('lost', { completions: 2, ttlSecondsAfterFinished: 0 }, ['sh', '-c', 'sleep 0.5'])]);
    const record = () => JSON.parse(readFileSync(join(s!.root, 'workloads', 'jobs', 'default_lost.json'), 'utf8')) as { job: { controller?: { pid: number } } };
    const first = record().job.controller!.pid;
    process.kill(first, 'SIGKILL');
    await until(() => !controllers(s!.root).includes(String(first)), 5000, 'the controller gone');
    run(['get', 'jobs']); // starts a new one
    expect(record().job.controller!.pid).to.not.equal(first);
    // it finishes the Job, then its TTL (0) deletes it with its pods
    await until(() => s!.run(['get', 'job', 'lost']).code === 1, 30_000, 'deleted after its TTL');
    expect(podsOf('lost')).to.deep.equal([]);
    await until(() => controllers(s!.root).length === 0, 5000, 'the controller exits');
  });

  it('Indexed: one pod per index with JOB_COMPLETION_INDEX; suspend makes none until resumed', async () => {
    const f = job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed', suspend: true }, ['sh', '-c', 'echo index $JOB_COMPLETION_INDEX on $(hostname)']);
    expect(run(['apply', '-f', f]).stdout).to.equal('job.batch/idx created\n');
    expect(jobRow('idx')[1]).to.equal('Suspended');
    expect(podsOf('idx')).to.deep.equal([]);
    job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed', suspend: false }, ['sh', '-c', 'echo index $JOB_COMPLETION_INDEX on $(hostname)']);
    expect(run(['apply', '-f', f]).stdout).to.equal('job.batch/idx configured (3 pods created)\n');
    await until(() => jobRow('idx')[1] === 'Complete', 30_000, 'Complete');
    const logs = podsOf('idx').map((p) => run(['logs', p.metadata.name]).stdout).sort();
    expect(logs).to.deep.equal(['index 0 on idx-0\n', 'index 1 on idx-1\n', 'index 2 on idx-2\n']);
    expect(jobJson('idx').status).to.include({ completedIndexes: '0-2', succeeded: 3 });
    run(['delete', 'job', 'idx', '--now']);
  });
});
