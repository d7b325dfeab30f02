// Linux signal names as Kubernetes and the container runtimes spell them, and their numbers.
// `lifecycle.stopSignal` takes exactly the names Kubernetes' validation lists for Linux
// (pkg/apis/core/validation/validation.go supportedStopSignalsLinux: SIGABRT .. SIGXFSZ,
// SIGRTMIN, SIGRTMIN+1 .. SIGRTMIN+15, SIGRTMAX-14 .. SIGRTMAX-1, SIGRTMAX); an image's
// StopSignal is read as containerd reads it (moby/sys signal.ParseSignal: a name with or
// without SIG in any case, or a number), with glibc's SIGRTMIN 34 and SIGRTMAX 64
// (moby/sys signal/signal_linux.go).

const BASE: Record<string, number> = {
  SIGABRT: 6,
  SIGALRM: 14,
  SIGBUS: 7,
  SIGCHLD: 17,
  SIGCLD: 17,
  SIGCONT: 18,
  SIGFPE: 8,
  SIGHUP: 1,
  SIGILL: 4,
  SIGINT: 2,
  SIGIO: 29,
  SIGIOT: 6,
  SIGKILL: 9,
  SIGPIPE: 13,
  SIGPOLL: 29,
  SIGPROF: 27,
  SIGPWR: 30,
  SIGQUIT: 3,
  SIGSEGV: 11,
  SIGSTKFLT: 16,
  SIGSTOP: 19,
  SIGSYS: 31,
  SIGTERM: 15,
  SIGTRAP: 5,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGVTALRM: 26,
  SIGWINCH: 28,
  SIGXCPU: 24,
  SIGXFSZ: 25,
};

export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

/** Every name `lifecycle.stopSignal` accepts on Linux, with its number. */
export const LINUX_SIGNALS: Readonly<Record<string, number>> = Object.freeze({
  ...BASE,
  SIGRTMIN,
  ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`SIGRTMIN+${i + 1}`, SIGRTMIN + i + 1])),
  ...Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`SIGRTMAX-${14 - i}`, SIGRTMAX - 14 + i])),
  SIGRTMAX,
});

const own = (k: string) => Object.prototype.hasOwnProperty.call(LINUX_SIGNALS, k);

/** The number of a `lifecycle.stopSignal` name, or undefined. */
export function stopSignalNumber(name: string): number | undefined {
  return own(name) ? LINUX_SIGNALS[name] : undefined;
}

/**
 * An image config's StopSignal as containerd parses it: `SIGQUIT`, `quit`, `RTMIN+1` or a number
 * 1..64; undefined when it is none of these.
 */
export function parseSignal(raw: string): number | undefined {
  const s = raw.trim();
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    return n >= 1 && n <= SIGRTMAX ? n : undefined;
  }
  const up = s.toUpperCase();
  return stopSignalNumber(up.startsWith('SIG') ? up : `SIG${up}`);
}

/** The canonical name of signal N (the first name Kubernetes lists for it), or undefined. */
export function signalName(n: number): string | undefined {
  return Object.keys(LINUX_SIGNALS).find((k) => LINUX_SIGNALS[k] === n);
}
