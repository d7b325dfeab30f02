// How much a container's command line and environment may hold: what execve(2) takes, and what
// fits the launch file the helper reads (docs/manifests.md, "Command line and environment size").
// Checked on the manifest as written (rules.ts) and again on the final argv and env in the plan,
// after $(VAR) expansion and with the image's Entrypoint, Cmd and Env (plan/plan.ts).
import type { Problem } from './names';

/** The kernel's cap on one argv or envp string, its NUL included (PAGE_SIZE * 32; execve(2) E2BIG). */
export const MAX_ARG_STRLEN = 131072;
/** The longest string that fits: MAX_ARG_STRLEN less the NUL. */
export const MAX_EXEC_STRING_BYTES = MAX_ARG_STRLEN - 1;
/**
 * podrun's cap on one container's argv + env (each string with its NUL). The kernel allows a
 * quarter of the stack limit for them together with their pointers: 2 MiB with the default 8 MiB
 * stack, so 1 MiB leaves room for the pointers and a smaller `ulimit -s`.
 */
export const MAX_CONTAINER_EXEC_BYTES = 1024 * 1024;
/**
 * podrun's cap on a pod's argv + env across its containers: the launch file podrun-helper reads is
 * at most 4 MiB (addon/src/launch.c MAX_LAUNCH_SIZE), and its other directives (layer dirs,
 * mounts, devices, masked paths) need room too.
 */
export const MAX_POD_EXEC_BYTES = 3 * 1024 * 1024;

/** What a string costs execve: its UTF-8 bytes and the NUL. */
export const execBytes = (s: string): number => Buffer.byteLength(s, 'utf8') + 1;

const HINT = 'pass large data in a file (a volume, or the image) and give its path on the command line or in the variable';

/** A string too long for execve, or undefined. `what` names it: `argument`, or `environment variable NAME=value`. */
export function execStringProblem(s: string, what: 'argument' | 'environment variable', note = ''): Problem | undefined {
  // With a note (after $(VAR) expansion) `s` may be cut short where the expansion stopped: "at least".
  const atLeast = note ? 'at least ' : '';
  // UTF-16 length is at most the UTF-8 length: short strings skip the byte count.
  if (s.length < MAX_ARG_STRLEN / 3) return undefined;
  const n = execBytes(s) - 1;
  if (n <= MAX_EXEC_STRING_BYTES) return undefined;
  const shape = what === 'environment variable' ? ' (as NAME=value)' : '';
  return { detail: `${what}${shape} is ${atLeast}${n} bytes long${note}; the kernel takes at most ${MAX_EXEC_STRING_BYTES} bytes in one (MAX_ARG_STRLEN, ${MAX_ARG_STRLEN} with its NUL)`, hint: HINT };
}

/** A container's or a pod's argv + env over its cap, or undefined. */
export function execTotalProblem(bytes: number, scope: 'container' | 'pod'): Problem | undefined {
  const max = scope === 'container' ? MAX_CONTAINER_EXEC_BYTES : MAX_POD_EXEC_BYTES;
  if (bytes <= max) return undefined;
  return {
    detail:
      scope === 'container'
        ? `the container's command, arguments and environment come to at least ${bytes} bytes (each string with its NUL), over podrun's limit of ${max} per container`
        : `the containers' commands, arguments and environments come to at least ${bytes} bytes (each string with its NUL), over podrun's limit of ${max} per pod`,
    hint: HINT,
  };
}
