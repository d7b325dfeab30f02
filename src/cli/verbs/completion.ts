// podrun completion bash|zsh|fish: the shell's completion script, as kubectl completion prints it.
// Each script is a thin shim over `podrun __complete WORD...` (cli/complete.ts), so verbs, flags,
// pod, container and resource names come from the same specs and state as the commands themselves.
import { UsageError } from '../../util/errors';
import { parseArgs, type VerbSpec } from '../args';
import type { CliContext } from '../context';
import { FILES_DIRECTIVE } from '../complete';

export const spec: VerbSpec = {
  name: 'completion',
  usage: 'podrun completion bash|zsh|fish',
  description:
    "Print the shell completion script for bash, zsh or fish: TAB completes commands, flags, flag values, and the names of pods, containers, workloads, objects, namespaces and images. Load it in the shell's start-up file.",
  examples: [
    ['bash: in ~/.bashrc', 'source <(podrun completion bash)'],
    ['zsh: in ~/.zshrc (after compinit)', 'source <(podrun completion zsh)'],
    ['fish: once', 'podrun completion fish > ~/.config/fish/completions/podrun.fish'],
  ],
  options: {},
  operands: [['bash', 'zsh', 'fish']],
};

// The command line's words up to the cursor go to `podrun __complete`; its lines are the
// candidates, or FILES_DIRECTIVE alone for file names.
// bash splits words at COMP_WORDBREAKS (= and : by default): the words are taken from the line
// instead, and a candidate loses what precedes the current word's last break character, which
// bash keeps. Leading VAR=value words go to __complete's environment (PODRUN_ROOT=/x podrun ...).
// Candidates are matched by prefix here, not by compgen -W, which would expand $(...) in them.
const BASH = `# podrun completion for bash: source <(podrun completion bash)
_podrun_complete() {
  local line="\${COMP_LINE:0:COMP_POINT}" cur out c pre="" i
  local -a words assigns=()
  read -ra words <<< "$line"
  [[ "$line" =~ [[:space:]]$ ]] && words+=("")
  while [[ \${#words[@]} -gt 1 && "\${words[0]}" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do assigns+=("\${words[0]}"); words=("\${words[@]:1}"); done
  cur="\${words[-1]}"
  out=$(env "\${assigns[@]}" "\${words[0]}" __complete "\${words[@]:1}" 2>/dev/null) || return 0
  COMPREPLY=()
  if [[ "$out" == "${FILES_DIRECTIVE}" ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}")
    return 0
  fi
  for (( i=\${#cur}-1; i>=0; i-- )); do
    if [[ "\${COMP_WORDBREAKS}" == *"\${cur:i:1}"* ]]; then pre="\${cur:0:i+1}"; break; fi
  done
  while IFS= read -r c; do
    [[ -n "$c" && "$c" == "$cur"* ]] && COMPREPLY+=("\${c#"$pre"}")
  done <<< "$out"
  # cp's POD: goes on with the pod's path, no space (kubectl's NoSpace)
  [[ \${#COMPREPLY[@]} -eq 1 && "\${COMPREPLY[0]}" == *: ]] && compopt -o nospace 2>/dev/null
  return 0
}
complete -o default -F _podrun_complete podrun
`;

const ZSH = `#compdef podrun
# podrun completion for zsh: source <(podrun completion zsh)
_podrun() {
  local -a out
  out=("\${(@f)$("\${words[1]}" __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  out=("\${(@)out:#}")
  # files: asked for, or nothing of podrun's to offer (the shell's default, as bash's -o default)
  if [[ "\${out[1]}" == "${FILES_DIRECTIVE}" || \${#out} -eq 0 ]]; then
    _files
    return
  fi
  # cp's POD: goes on with the pod's path, no space (kubectl's NoSpace)
  compadd -S '' -- "\${(@M)out:#*:}"
  compadd -- "\${(@)out:#*:}"
}
compdef _podrun podrun
`;

const FISH = `# podrun completion for fish: podrun completion fish > ~/.config/fish/completions/podrun.fish
function __podrun_complete
  set -l words (commandline -opc) (commandline -ct)
  set -l out ($words[1] __complete $words[2..-1] 2>/dev/null)
  if test (count $out) -eq 0; or test "$out[1]" = "${FILES_DIRECTIVE}"
    __fish_complete_path (commandline -ct)
    return
  end
  printf '%s\\n' $out
end
complete -c podrun -f -a '(__podrun_complete)'
`;

const SCRIPTS: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs(argv, spec);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'completion takes one shell' : 'completion needs a shell: bash, zsh or fish', `usage: ${spec.usage}`);
  const script = SCRIPTS[positionals[0]];
  if (!script) throw new UsageError(`completion: unknown shell '${positionals[0]}'`, 'podrun completes in bash, zsh and fish');
  ctx.out(script);
  return 0;
}
