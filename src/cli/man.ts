// Man pages from the verbs' specs (cli/args.ts), the same text as --help: podrun(1) lists the
// commands, podrun-VERB(1) (podrun-image-ls(1) for a group's command) has a command's synopsis,
// description, options and examples. scripts/man.js writes them at build time into
// dist/man/man1; scripts/setup.sh installs them.
import { flagLines, type VerbSpec } from './args';

/** roff text: backslashes, hyphens (so they copy as ASCII), and a leading control character escaped. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

const title = (name: string) => `podrun-${name.replace(/ /g, '-')}`;

export function manPage(spec: VerbSpec, version: string, summary?: string): string {
  const t = title(spec.name);
  const out = [
    `.TH ${t.toUpperCase()} 1 "" "podrun ${roff(version)}" "podrun manual"`,
    '.SH NAME',
    `${roff(t)} \\- ${roff(summary ?? spec.description.split(/(?<=\.) /)[0].replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    '.nf',
    ...spec.usage.split('\n').map((l) => roff(l.trim())),
    '.fi',
    '.SH DESCRIPTION',
    roff(spec.description),
  ];
  if (spec.subcommands) {
    out.push('.SH COMMANDS');
    for (const [k, sub] of Object.entries(spec.subcommands)) out.push('.TP', `\\fB${roff(k)}\\fR`, `${roff(sub.description)} See \\fB${roff(title(sub.name))}\\fR(1).`);
  }
  const flags = flagLines(spec.options);
  if (flags.length) {
    out.push('.SH OPTIONS');
    for (const [f, h] of flags) out.push('.TP', `\\fB${roff(f.trim())}\\fR`, roff(h));
  }
  if (spec.examples.length) {
    out.push('.SH EXAMPLES', '.nf');
    for (const [what, cmd] of spec.examples) out.push(roff(`# ${what}`), roff(cmd), '');
    out.pop();
    out.push('.fi');
  }
  out.push('.SH SEE ALSO', `\\fBpodrun\\fR(1), and docs/cli/ in podrun's source for the details.`);
  return out.join('\n') + '\n';
}

/** podrun(1): the commands (each with its page) and the global options. */
export function indexPage(verbs: Array<{ name: string; summary: string }>, version: string): string {
  const out = [
    `.TH PODRUN 1 "" "podrun ${roff(version)}" "podrun manual"`,
    '.SH NAME',
    'podrun \\- run Kubernetes Pod manifests on one Linux machine, with real kernel namespaces and no cluster',
    '.SH SYNOPSIS',
    '.nf',
    roff('podrun [--root DIR] [--run-root DIR] [--log-level LEVEL] [--log-file FILE] [--debug] COMMAND [ARGS...]'),
    '.fi',
    '.SH COMMANDS',
  ];
  for (const v of verbs) out.push('.TP', `\\fB${roff(v.name)}\\fR`, `${roff(v.summary)}; see \\fB${roff(title(v.name))}\\fR(1).`);
  out.push(
    '.SH GLOBAL OPTIONS',
    '.TP',
    '\\fB\\-\\-root\\fR=\\fIDIR\\fR',
    roff('where podrun keeps its state (default /var/lib/podrun, or $PODRUN_ROOT)'),
    '.TP',
    '\\fB\\-\\-run\\-root\\fR=\\fIDIR\\fR',
    roff('its run-time state (default /run/podrun, or ROOT/run with --root)'),
    '.TP',
    '\\fB\\-\\-log\\-level\\fR=\\fILEVEL\\fR',
    roff('error, warn, info or debug'),
    '.TP',
    '\\fB\\-\\-log\\-file\\fR=\\fIFILE\\fR',
    roff('write the diagnostics to FILE too'),
    '.TP',
    '\\fB\\-\\-debug\\fR',
    roff('debug diagnostics, and stack traces for podrun bugs'),
    '.SH SEE ALSO',
    roff("'podrun help COMMAND', 'podrun completion bash|zsh|fish'"),
  );
  return out.join('\n') + '\n';
}
