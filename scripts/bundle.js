// Bundles the CLI (src/cli/entry.ts and everything it requires, js-yaml and zod included) into
// one file, dist/podrun.js, that dist/src/cli/start.js loads with a V8 code cache. One file
// instead of ~150 saves most of the start-up cost of resolving and reading modules, which every
// CLI call pays (docs/performance.md). Lazy requires stay lazy: esbuild wraps each module and runs
// it on its first require. winston (diagnostics only) stays in node_modules; the addon is found at
// run time. Run by `npm run build` after tsc (which type-checks; esbuild only strips types).
const { build } = require('esbuild');
const { join } = require('path');

const root = join(__dirname, '..');
const common = {
  entryPoints: [join(root, 'src', 'cli', 'entry.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Smaller to parse, same names: a bug report's stack stays readable.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  external: ['winston', 'node-gyp-build'],
  logLevel: 'warning',
  logOverride: { 'unsupported-require-call': 'silent' },
};

// `exec` is measured against `node -e 0` + nsenter: it gets a bundle of its own with only its
// verb (start.js runs it for `exec` alone), a fraction of the size to read and deserialize.
const onlyExec = {
  name: 'only-exec',
  setup(b) {
    // (esbuild's filters are Go regexps: no lookahead, so the exception is made here)
    b.onResolve({ filter: /^\.\/verbs\// }, (args) => (args.path === './verbs/exec' ? undefined : { path: args.path, external: true }));
    // main.ts's other lazy paths (shell completion) are no part of exec either
    b.onResolve({ filter: /^\.\/complete$/ }, (args) => (args.importer.endsWith(join('src', 'cli', 'main.ts')) ? { path: args.path, external: true } : undefined));
  },
};

async function main() {
  await build({ ...common, outfile: join(root, 'dist', 'podrun.js') });
  await build({ ...common, outfile: join(root, 'dist', 'podrun-exec.js'), plugins: [onlyExec] });
}

main().catch((e) => {
  console.error(e.message);
  process.exitCode = 1;
});
