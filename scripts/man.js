// Writes the man pages (src/cli/man.ts) from the compiled verbs' specs into dist/man/man1:
// podrun.1, podrun-VERB.1, podrun-GROUP-COMMAND.1. Run by `npm run build` after tsc.
const { mkdirSync, writeFileSync } = require('fs');
const { join } = require('path');

const root = join(__dirname, '..');
const { VERBS } = require(join(root, 'dist', 'src', 'cli', 'main.js'));
const { manPage, indexPage } = require(join(root, 'dist', 'src', 'cli', 'man.js'));
const { podrunVersion } = require(join(root, 'dist', 'src', 'util', 'version.js'));

const dir = join(root, 'dist', 'man', 'man1');
mkdirSync(dir, { recursive: true });
const version = podrunVersion();
const write = (spec, summary) => writeFileSync(join(dir, `podrun-${spec.name.replace(/ /g, '-')}.1`), manPage(spec, version, summary));
for (const entry of Object.values(VERBS)) {
  const { spec } = entry.load();
  write(spec, entry.summary);
  for (const sub of Object.values(spec.subcommands ?? {})) write(sub);
}
writeFileSync(join(dir, 'podrun.1'), indexPage(Object.entries(VERBS).map(([name, v]) => ({ name, summary: v.summary })), version));
