// bin/podrun runs the bundle through vm.Script (src/cli/start.ts), which has no dynamic import
// callback: an `await import('readline')` of a module esbuild leaves outside the bundle (Node's
// own, winston) fails there with "A dynamic import callback was not specified", though it works
// under mocha. Such modules are required instead.
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'fs';
import { builtinModules } from 'module';
import { join } from 'path';

const EXTERNAL = new Set([...builtinModules, 'winston', 'node-gyp-build']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('bundle: no dynamic import of a module outside the bundle', () => {
  it('src/ requires Node modules and winston, never import()s them', () => {
    const src = join(__dirname, '..', '..', '..', 'src');
    const found: string[] = [];
    for (const f of sources(src))
      for (const m of readFileSync(f, 'utf8').matchAll(/\bawait import\(\s*'([^']+)'\s*\)/g)) {
        const name = m[1].replace(/^node:/, '');
        if (EXTERNAL.has(name) || EXTERNAL.has(name.split('/')[0])) found.push(`${f.slice(src.length + 1)}: import('${m[1]}')`);
      }
    expect(found).to.deep.equal([]);
  });
});
