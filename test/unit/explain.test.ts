// podrun explain: kubectl explain's layout from Kubernetes' own schema, with what podrun does
// with each field it does not run; kubectl's errors for an unknown type, field or API version.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { run } from '../../src/cli/main';
import { PODRUN } from '../helpers/cli';

async function explain(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await run(['explain', ...args], (s) => (out += s));
  return { code, out };
}

describe('podrun explain', () => {
  it("a kind: KIND, VERSION (GROUP for a grouped one), its description and every field with type and description", async () => {
    const pod = await explain('pods');
    expect(pod.code).to.equal(0);
    expect(pod.out).to.match(/^KIND: {7}Pod\nVERSION: {4}v1\n\nDESCRIPTION:\n {4}Pod is a collection of containers/);
    expect(pod.out).to.include('\nFIELDS:\n  apiVersion\t<string>\n    APIVersion defines the versioned schema');
    expect(pod.out).to.include('  spec\t<PodSpec>\n');
    expect((await explain('deploy')).out).to.match(/^GROUP: {6}apps\nKIND: {7}Deployment\nVERSION: {4}v1\n/);
    for (const line of pod.out.split('\n')) expect(line.length, line).to.be.at.most(80 + 60); // wrapped (a long URL may stand alone)
  });

  it('a field: FIELD with its type and -required-, the fields below it; podrun\'s word on what it does not run', async () => {
    const c = await explain('po.spec.containers');
    expect(c.out).to.include('FIELD: containers <[]Container> -required-\n');
    expect(c.out).to.include('  name\t<string> -required-\n');
    expect(c.out).to.include('  restartPolicy\t<string>\n');
    expect(c.out).to.match(/ {2}volumeDevices\t<\[\]VolumeDevice>\n[\s\S]*? {4}podrun: not supported yet: refused unless it changes nothing/);
    const spec = await explain('pod.spec');
    expect(spec.out).to.match(/ {2}tolerations\t<\[\]Toleration>\n {4}If specified, the pod's tolerations.\n {4}podrun: scheduling field, ignored: podrun runs every pod on this machine \(a\n {4}warning when set\)\n/);
    const rc = await explain('pod.spec.runtimeClassName');
    expect(rc.out).to.include('FIELD: runtimeClassName <string>\n');
    expect(rc.out).to.include('\nPODRUN:\n    not supported yet: refused\n');
    expect(rc.out).to.not.include('FIELDS:');
    expect((await explain('pod.metadata')).out).to.include('  uid\t<string>\n');
  });

  it('--recursive: the tree of names and types, indented by depth', async () => {
    const r = await explain('pod.spec.containers.livenessProbe', '--recursive');
    expect(r.out).to.include('FIELDS:\n  exec\t<ExecAction>\n    command\t<[]string>\n  failureThreshold\t<integer>\n');
    expect(r.out).to.include('  httpGet\t<HTTPGetAction>\n    host\t<string>\n    httpHeaders\t<[]HTTPHeader>\n      name\t<string> -required-\n');
  });

  it("kubectl's errors: no type, an unknown type, an unknown field (with the nearest), another API version", async () => {
    const cases: [string[], string][] = [
      [[], 'you must specify the type of resource to explain'],
      [['widgets'], 'the server doesn\'t have a resource type "widgets"'],
      [['pod.spec.containerz'], 'field "containerz" does not exist'],
      [['deploy', '--api-version=v1'], 'couldn\'t find resource for "Deployment" in v1'],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(PODRUN, ['explain', ...args], { encoding: 'utf8' });
      expect([r.status, r.stderr.split('\n')[0]], args.join(' ')).to.deep.equal([2, `error: ${message}`]);
    }
    expect(spawnSync(PODRUN, ['explain', 'pod.spec.containerz'], { encoding: 'utf8' }).stderr).to.include('hint: did you mean pod.spec.containers?');
  });
});
