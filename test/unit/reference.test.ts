import { expect } from 'chai';
import { UsageError } from '../../src/util/errors';
import { pickManifest, parsePlatform, formatPlatform, hostPlatform } from '../../src/images/platform';
import {
  formatReference,
  parseReference,
  parseTagReference,
  splitStoreName,
  storeName,
} from '../../src/images/reference';

const D = 'sha256:' + 'a'.repeat(64);

describe('image references', () => {
  const table: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['registry-1.docker.io/team/app:v2', 'docker.io/team/app:v2'],
    ['team/app', 'docker.io/team/app:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/team/app:dev', 'localhost:5000/team/app:dev'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest'],
    ['[::1]:5000/app:x', '[::1]:5000/app:x'],
    ['quay.io/org/sub/app:1.0-rc.1', 'quay.io/org/sub/app:1.0-rc.1'],
    ['Registry.Example/app', 'Registry.Example/app:latest'],
    ['my-registry:443/a__b/c.d/e-f', 'my-registry:443/a__b/c.d/e-f:latest'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`busybox:1.36@${D}`, `docker.io/library/busybox:1.36@${D}`],
    [`localhost:5000/app@${D}`, `localhost:5000/app@${D}`],
    ['  busybox  ', 'docker.io/library/busybox:latest'],
    ['a:_tag', 'docker.io/library/a:_tag'],
  ];
  for (const [input, want] of table)
    it(`normalises '${input}' to ${want}`, () => expect(formatReference(parseReference(input))).to.equal(want));

  it('keeps the parts', () => {
    expect(parseReference('localhost:5000/team/app:dev')).to.deep.equal({ domain: 'localhost:5000', path: 'team/app', tag: 'dev' });
    expect(parseReference(`busybox@${D}`)).to.deep.equal({ domain: 'docker.io', path: 'library/busybox', digest: D });
  });

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['Busybox', /lower-case/],
    ['docker.io/Library/busybox', /lower-case/],
    ['busybox:', /tag ''/],
    ['busybox:-x', /tag '-x'/],
    ['busybox:' + 'x'.repeat(129), /tag/],
    ['busy box', /white space/],
    ['busybox@sha256:abc', /64 lower-case hex/],
    ['busybox@md5:' + 'a'.repeat(32), /not supported/],
    ['busybox@', /not a digest/],
    ['a//b', /empty path component/],
    ['a/b/', /empty path component/],
    ['-abc', /path component '-abc'/],
    ['a..b', /path component 'a..b'/],
    ['a_-b', /path component/],
    ['localhost:99999/app', /port '99999'/],
    ['localhost:x/app', /port 'x'/],
    ['bad_host.com/app', /host 'bad_host.com'/],
    ['localhost:5000/', /repository name is missing/],
    [':tag', /repository name is missing/],
    ['a/' + 'b'.repeat(260), /longer than 255/],
  ];
  for (const [input, re] of bad)
    it(`rejects '${input.slice(0, 40)}' naming the problem`, () => {
      let err: unknown;
      try {
        parseReference(input);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(UsageError);
      expect((err as Error).message).to.match(re);
      expect((err as Error).message).to.include(`'${input.trim()}'`);
      expect((err as UsageError).hint).to.match(/busybox/);
      expect((err as UsageError).exitCode).to.equal(2);
    });

  it('store names drop the tag of name:tag@digest and default the tag', () => {
    expect(storeName(parseReference('busybox'))).to.equal('docker.io/library/busybox:latest');
    expect(storeName(parseReference(`busybox:1@${D}`))).to.equal(`docker.io/library/busybox@${D}`);
    expect(splitStoreName('localhost:5000/a/b:dev')).to.deep.equal({ repository: 'localhost:5000/a/b', tag: 'dev' });
    expect(splitStoreName(`docker.io/library/busybox@${D}`)).to.deep.equal({ repository: 'docker.io/library/busybox', tag: '<none>', digest: D });
  });

  it('a new image name must not carry a digest', () => {
    expect(() => parseTagReference(`app@${D}`)).to.throw(UsageError, /digest/);
    expect(formatReference(parseTagReference('app'))).to.equal('docker.io/library/app:latest');
  });
});

describe('platforms', () => {
  const m = (architecture: string, variant?: string, os = 'linux') => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: 'sha256:' + (architecture + (variant ?? '')).padEnd(64, '0').replace(/[^a-f0-9]/g, '0'),
    size: 1,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  });
  const list = [m('unknown', undefined, 'unknown'), m('arm', 'v6'), m('arm', 'v7'), m('arm64', 'v8'), m('amd64'), m('ppc64le')];

  it('detects the host', () => {
    const p = hostPlatform();
    expect(p.os).to.equal('linux');
    expect(p.architecture).to.equal(process.arch === 'x64' ? 'amd64' : process.arch);
  });
  it('picks amd64, arm64/v8, arm/v7', () => {
    expect(pickManifest(list, { os: 'linux', architecture: 'amd64' }).platform?.architecture).to.equal('amd64');
    expect(pickManifest(list, { os: 'linux', architecture: 'arm64', variant: 'v8' }).platform?.variant).to.equal('v8');
    expect(pickManifest(list, { os: 'linux', architecture: 'arm', variant: 'v7' }).platform?.variant).to.equal('v7');
  });
  it('accepts an arm64 entry without variant', () => {
    expect(pickManifest([m('amd64'), m('arm64')], { os: 'linux', architecture: 'arm64', variant: 'v8' }).platform?.architecture).to.equal('arm64');
  });
  it('names what the index has when nothing matches', () => {
    expect(() => pickManifest([m('ppc64le'), m('s390x')], { os: 'linux', architecture: 'amd64' })).to.throw(/linux\/amd64.*linux\/ppc64le, linux\/s390x/);
  });
  it('parses and formats --platform', () => {
    expect(formatPlatform(parsePlatform('linux/arm64/v8'))).to.equal('linux/arm64/v8');
    expect(() => parsePlatform('linux')).to.throw(/invalid platform 'linux'/);
  });
});
