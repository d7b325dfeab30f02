// The CLI entry point: global flags, a verb table with lazy imports (start-up pays only for the
// verb used), and the single catch that maps errors to messages and exit codes.
import { HelpRequest, PodrunError, ManifestErrors, UsageError } from '../util/errors';
import { resolvePaths } from '../util/paths';
import { podrunVersion } from '../util/version';
import type { CliContext, Verb } from './context';
import { editDistance, type VerbSpec } from './args';
import { writeErr, writeOut } from './output';
import { renderError } from './render';
import { splitGlobals } from './globals';

// Each verb's module is required only when it runs (start-up pays for the verb used).
export const VERBS: Record<string, { load: () => { run: Verb; spec: VerbSpec }; summary: string }> = {
  apply: { load: () => require('./verbs/apply'), summary: 'create or update pods, workloads, Services, ConfigMaps, Secrets and PVCs from manifests (-f FILE|DIR|-)' },
  create: { load: () => require('./verbs/create'), summary: 'create a ConfigMap or Secret from literals and files' },
  get: { load: () => require('./verbs/get'), summary: 'list pods, deployments, statefulsets, services, configmaps, secrets, pvc (get pods, get deploy NAME)' },
  describe: { load: () => require('./verbs/describe'), summary: 'show a pod or object in detail (describe pod NAME)' },
  logs: { load: () => require('./verbs/logs'), summary: "print a container's logs" },
  exec: { load: () => require('./verbs/exec'), summary: 'run a command in a running container' },
  cp: { load: () => require('./verbs/cp'), summary: 'copy files and directories to and from a container (cp SRC POD:DEST, cp POD:SRC DEST)' },
  attach: { load: () => require('./verbs/attach'), summary: "print a running container's output from now on (attach POD)" },
  'port-forward': { load: () => require('./verbs/port-forward'), summary: "forward local ports to a pod's ports (port-forward pod/NAME 8080:80)" },
  explain: { load: () => require('./verbs/explain'), summary: "a kind's fields from Kubernetes' own schema, and what podrun does with each (explain pods.spec)" },
  lint: { load: () => require('./verbs/lint'), summary: 'check manifests; --for-cluster: what will behave differently on a real cluster' },
  diff: { load: () => require('./verbs/diff'), summary: 'show what apply -f would change (diff -f pods/; exit 1 when something would)' },
  up: { load: () => require('./verbs/up'), summary: 'apply pods/, wait until ready, follow the logs; Ctrl-C stops the pods (up -f DIR, up -d)' },
  down: { load: () => require('./verbs/down'), summary: 'stop and delete what pods/ (or -f) defines; claims stay (down -f DIR)' },
  events: { load: () => require('./verbs/events'), summary: "list the pods' events, oldest first (events -A -w)" },
  wait: { load: () => require('./verbs/wait'), summary: 'wait for pods to meet a condition or be deleted (wait --for=condition=Ready pod/NAME)' },
  delete: { load: () => require('./verbs/delete'), summary: 'stop and remove pods and workloads; remove services, configmaps, secrets, pvc' },
  label: { load: () => require('./verbs/label'), summary: 'set or remove labels of pods, workloads and objects (label pod web tier=web)' },
  annotate: { load: () => require('./verbs/annotate'), summary: 'set or remove annotations of pods, workloads and objects' },
  scale: { load: () => require('./verbs/scale'), summary: 'set the replicas of a deployment, replicaset or statefulset (scale deploy/web --replicas 3)' },
  rollout: { load: () => require('./verbs/rollout'), summary: 'restart the pods of a deployment, statefulset or daemonset, or wait for a rollout (rollout restart|status deploy/web)' },
  commit: { load: () => require('./verbs/commit'), summary: "make an image from a container's changes" },
  pull: { load: () => require('./verbs/pull'), summary: 'pull an image from a registry' },
  push: { load: () => require('./verbs/push'), summary: 'push an image to a registry' },
  images: { load: () => require('./verbs/images'), summary: 'list images' },
  rmi: { load: () => require('./verbs/rmi'), summary: 'remove images' },
  image: { load: () => require('./verbs/image'), summary: 'manage images (ls, rm, prune, inspect)' },
  load: { load: () => require('./verbs/load'), summary: 'load images from a docker or OCI archive (-i FILE)' },
  save: { load: () => require('./verbs/save'), summary: 'save an image to an OCI archive (-o FILE)' },
  import: { load: () => require('./verbs/import'), summary: 'make a one-layer image from a directory or tar' },
  tag: { load: () => require('./verbs/tag'), summary: 'give an image another name (tag SOURCE TARGET)' },
  history: { load: () => require('./verbs/history'), summary: "show an image's layers and how they were made" },
  inspect: { load: () => require('./verbs/inspect'), summary: 'print pods or images as JSON (docker inspect)' },
  login: { load: () => require('./verbs/login'), summary: 'store registry credentials' },
  logout: { load: () => require('./verbs/logout'), summary: "remove a registry's stored credentials" },
  top: { load: () => require('./verbs/top'), summary: 'show CPU and memory of pods and containers (kubectl top pod)' },
  info: { load: () => require('./verbs/info'), summary: 'show what podrun uses on this host (cgroups, AppArmor, folders)' },
  version: { load: () => require('./verbs/version'), summary: 'print versions (-o json)' },
  completion: { load: () => require('./verbs/completion'), summary: 'print the shell completion script (completion bash|zsh|fish)' },
};

// Not in the help: run by podrun itself (a pod's monitor runs sync-services when the pod's Ready condition changes).
const INTERNAL: Record<string, { load: () => { run: Verb } }> = {
  'sync-services': { load: () => require('./verbs/sync-services') },
  'job-controller': { load: () => require('./verbs/job-controller') },
};

const GLOBAL_USAGE = `usage: podrun [--root DIR] [--log-level LEVEL] [--log-file FILE] [--debug] COMMAND [ARGS...]

commands:
${Object.entries(VERBS)
  .map(([k, v]) => `  ${k.padEnd(12)} ${v.summary}`)
  .join('\n')}

Run 'podrun help COMMAND' (or 'podrun COMMAND --help') for a command's options and examples.`;

export async function run(argv: string[], out: (s: string) => void = writeOut): Promise<number> {
  let debug = argv.includes('--debug');
  try {
    // completion reads the line's global flags itself: the last word may be one's missing value
    if (argv[0] === '__complete') return (await import('./complete')).complete(argv.slice(1), VERBS, out);
    const { globals, rest } = splitGlobals(argv);
    debug = globals.debug;
    if (globals.logLevel || globals.logFile || debug) {
      const { configureLog } = await import('../util/diagnostics');
      configureLog({ level: debug ? 'debug' : globals.logLevel, file: globals.logFile });
    }
    const [verb, ...args] = rest;
    // `help VERB [SUB]` is `VERB [SUB] --help`
    if (verb === 'help' && args.length && (VERBS[args[0]] || INTERNAL[args[0]])) return await run([...args, '--help'], out);
    if (verb === 'help' && args.length) throw new UsageError(`unknown command '${args[0]}'`, suggestVerb(args[0]));
    if (!verb || verb === 'help' || verb === '--help' || verb === '-h') {
      out(GLOBAL_USAGE + '\n');
      return verb ? 0 : 2;
    }
    if (verb === '--version') return run(['version'], out);
    const entry = VERBS[verb] ?? INTERNAL[verb];
    if (!entry) throw new UsageError(`unknown command '${verb}'`, suggestVerb(verb));
    const ctx: CliContext = { paths: resolvePaths(globals), debug, out };
    return await entry.load().run(args, ctx);
  } catch (e) {
    if (e instanceof HelpRequest) {
      out(e.message + '\n');
      return 0;
    }
    return report(e, debug);
  }
}

/** What docker's and kubectl's verbs podrun does not have are in podrun. */
const OTHER_VERBS: Record<string, string> = {
  run: "podrun runs pods from manifests: 'podrun apply -f FILE' (or 'podrun up')",
  start: "'podrun apply -f FILE' (or 'podrun up') starts pods",
  stop: "'podrun delete pod NAME' stops and removes a pod ('podrun down' what pods/ defines)",
  kill: "'podrun delete pod NAME --now' kills a pod's containers at once",
  rm: "'podrun delete pod NAME' removes a pod; 'podrun rmi IMAGE' an image",
  ps: "'podrun get pods' lists the pods",
  build: "podrun builds no images: 'podrun import DIR NAME:TAG' or 'podrun commit POD/CONTAINER NAME:TAG' makes one",
};

/** The verb a typo was meant to be: one it starts, or one edit away (two for longer words), or what podrun has for docker's. */
function suggestVerb(verb: string): string {
  if (Object.prototype.hasOwnProperty.call(OTHER_VERBS, verb)) return `${OTHER_VERBS[verb]}; 'podrun help' lists the commands`;
  const names = Object.keys(VERBS);
  const prefixed = names.filter((k) => k.startsWith(verb));
  let near = verb.length >= 2 && prefixed.length === 1 ? prefixed[0] : undefined;
  if (!near) {
    const most = verb.length <= 4 ? 1 : 2;
    const scored = names.map((k) => ({ k, d: editDistance(verb, k) })).filter((x) => x.d <= most).sort((a, b) => a.d - b.d);
    near = scored[0]?.k;
  }
  return near ? `did you mean 'podrun ${near}'? Run 'podrun help' for the list.` : "run 'podrun help' for the list";
}

function report(e: unknown, debug: boolean): number {
  const err = (s: string) => writeErr(s + '\n');
  if (e instanceof PodrunError) {
    writeErr(renderError(e));
    if (debug && e.stack && !(e instanceof ManifestErrors)) err(e.stack);
    return e.exitCode;
  }
  const ex = e as Error & { code?: string };
  // not root, and a file of root's was in the way: say so, not "a podrun bug" with a stack
  if ((ex?.code === 'EACCES' || ex?.code === 'EPERM') && process.geteuid?.() !== 0) {
    err(`error: ${ex.message.replace(/^E[A-Z]+: /, '')}`); // `permission denied, mkdir '...'`
    err("  hint: podrun runs as root (sudo); the image commands also take a --root DIR you can write");
    if (debug && ex.stack) err(ex.stack);
    return 1;
  }
  err(`error: ${ex?.message ?? String(e)}`);
  err(`  this is a podrun bug; please report it with this output (podrun ${podrunVersion()}, node ${process.version})`);
  if (ex?.stack) err(ex.stack);
  return 1;
}


export function main(argv: string[]): void {
  run(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.exitCode = report(e, true);
    },
  );
}
