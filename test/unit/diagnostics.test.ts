// The diagnostics' words: `warning:` and `error:`, as every other message of podrun's (not
// winston's `podrun warn:`).
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { join } from 'path';

describe('diagnostics', () => {
  it('a warning reads `warning: ...` on stderr, an error `error: ...`', () => {
    const mod = join(__dirname, '..', '..', 'src', 'util', 'diagnostics.js');
    const r = spawnSync(process.execPath, ['-e', `const d = require(${JSON.stringify(mod)}); d.log().warn('the layer is odd'); d.log().error('it broke')`], { encoding: 'utf8', env: { ...process.env, PODRUN_LOG_LEVEL: 'warn' } });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('warning: the layer is odd\nerror: it broke\n');
  });
});
