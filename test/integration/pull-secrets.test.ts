// Issue 11: imagePullSecrets. A pod's pulls use a kubernetes.io/dockerconfigjson Secret's
// credentials for the image's registry (Debian's registry on 127.0.0.1 with htpasswd auth), with no
// `podrun login`; without the Secret the pull is refused (401); a missing Secret is said and the
// login credentials used instead. No password shows up in any output.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { haveBusybox, makeBusyboxRootfs } from '../helpers/busybox';
import { isRoot } from '../helpers/cli';
import { haveRegistry, podrunAsync, startRegistry, type TestRegistry } from '../helpers/registry';
import { deletePodsAndCheckLeaks, podManifest, setUpSuite, type PodSuite } from './pod-helpers';

describe('imagePullSecrets (integration)', function () {
  this.timeout(180_000);
  const user = 'puller';
  const password = 'pull-pass-s3cret';
  let reg: TestRegistry | undefined;
  let s: PodSuite | undefined;
  let work = '';
  let ref = '';
  const env = () => ({ DOCKER_CONFIG: join(work, 'empty-docker-config') });

  before(async function () {
    if (!isRoot() || !haveBusybox() || !haveRegistry()) this.skip();
    reg = await startRegistry({ htpasswd: { [user]: password } });
    work = mkdtempSync(join(tmpdir(), 'podrun-pullsecret-'));
    ref = `${reg.host}/team/busybox:1`;
    // a second store pushes the image (logged in there); the suite's store never logs in
    const pusher = mkdtempSync(join(tmpdir(), 'podrun-pullsecret-push-'));
    try {
      const rootfs = makeBusyboxRootfs(join(work, 'rootfs'));
      const cfg = { DOCKER_CONFIG: join(work, 'pusher-docker-config') };
      for (const args of [['import', rootfs, ref], ['login', reg.host, '-u', user, '--password-stdin'], ['push', ref]]) {
        const r = await podrunAsync(pusher, args, { env: cfg, input: `${password}\n` });
        expect(r.code, r.stderr).to.equal(0);
      }
    } finally {
      rmSync(pusher, { recursive: true, force: true });
    }
    s = setUpSuite('podrun-pullsecret-root-');
  });
  after(async () => {
    try {
      deletePodsAndCheckLeaks(s, [], ['puller', 'nosecret', 'missing']);
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
      await reg?.stop();
    }
  });

  const pod = (name: string, secrets: string[]) => {
    const f = join(work, `${name}.json`);
    const m = JSON.parse(podManifest(name, { containers: [{ name: 'app', image: ref, imagePullPolicy: 'Always', command: ['sleep', '3600'] }] }));
    if (secrets.length) m.spec.imagePullSecrets = secrets.map((n) => ({ name: n }));
    writeFileSync(f, JSON.stringify(m));
    return f;
  };

  it('without a pull secret (and no login) the pull is refused', async () => {
    const r = await podrunAsync(s!.root, ['apply', '-f', pod('nosecret', [])], { env: env() });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('authentication required');
  });

  it("a docker-registry Secret's credentials pull the pod's image; a missing one is said", async () => {
    let r = await podrunAsync(s!.root, ['create', 'secret', 'docker-registry', 'regcred', '--docker-server', reg!.host, '--docker-username', user, '--docker-password', password], { env: env() });
    expect(r.code, r.stderr).to.equal(0);
    r = await podrunAsync(s!.root, ['apply', '-f', pod('puller', ['absent', 'regcred'])], { env: env() });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('pod/puller created\n');
    expect(r.stderr).to.contain('imagePullSecrets: secret "absent" not found');
    expect(r.stdout + r.stderr).to.not.contain(password);
    const get = await podrunAsync(s!.root, ['get', 'pod', 'puller'], { env: env() });
    expect(get.stdout).to.match(/puller +1\/1 +Running/);
  });
});
