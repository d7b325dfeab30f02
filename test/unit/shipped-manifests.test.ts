// The manifests podrun ships (examples/, pods/) are what new users copy: they must load with no
// error and no warning, as valid Kubernetes v1 Pods.
import { expect } from 'chai';
import { join } from 'path';
import { formatManifestWarning, loadManifests } from '../../src/manifest/load';
import { renderError } from '../../src/cli/render';

const repo = join(__dirname, '..', '..', '..');

describe('shipped manifests', () => {
  for (const dir of ['examples', 'pods'])
    it(`${dir}/ loads without errors or warnings`, async () => {
      const r = await loadManifests([join(repo, dir)]);
      expect(r.errors.map((e) => renderError(e).trimEnd())).to.deep.equal([]);
      expect(r.warnings.map(formatManifestWarning)).to.deep.equal([]);
      expect(r.pods.length).to.be.greaterThan(0);
    });
});
