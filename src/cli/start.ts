// What bin/podrun runs: loads the bundled CLI (dist/podrun.js, scripts/bundle.js) with a V8 code
// cache per verb, so a call neither resolves and reads ~150 modules nor compiles the code it ran
// last time again. The cache for a verb is written by the first call of that verb that had none
// (or whose cache V8 refused: another Node version), after it ran, so it holds the functions that
// verb really uses; where dist/ is not writable there is no cache and nothing else changes.
// Kept dependency-free: only node's own modules, and nothing of podrun's before the bundle runs.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'fs';
import Module from 'module';
import { dirname, join } from 'path';
import { Script } from 'vm';

const dist = join(__dirname, '..', '..');

/** The verb: the first argument that is not a global flag (or a global flag's value). */
function verbOf(argv: string[]): string {
  const valued = new Set(['--root', '--run-root', '--log-level', '--log-file']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (valued.has(a)) i++;
    else if (!a.startsWith('-')) return /^[a-z]+$/.test(a) ? a : 'other';
    else if (a === '--') break;
  }
  return 'none';
}

function start(): void {
  const verb = verbOf(process.argv.slice(2));
  // `exec` has a bundle holding only its own verb (scripts/bundle.js).
  const bundle = join(dist, verb === 'exec' ? 'podrun-exec.js' : 'podrun.js');
  const source = readFileSync(bundle, 'utf8');
  const cacheFile = join(dist, 'cache', `${verb}.v8`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    /* none yet */
  }
  const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    const write = () => {
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        const tmp = `${cacheFile}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile); // atomic: concurrent calls write whole caches
      } catch {
        /* not writable: run without a cache */
      }
    };
    process.once('exit', write);
    // `exec` replaces the process with podrun-helper (util/native.ts says so first).
    process.once('podrun-execve' as 'exit', write);
  }
  const m = new Module(bundle, module);
  m.filename = bundle;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(bundle));
  const req = ((id: string) => m.require(id)) as NodeJS.Require;
  (script.runInThisContext() as (...args: unknown[]) => void).call(m.exports, m.exports, req, m, bundle, dirname(bundle));
}

start();
