// The CLI's side of a graceful stop (runtime/stop.ts GraceWatch): on a terminal a live line says
// what it waits for and how long it may take; Ctrl-C during the wait kills what still runs at
// once and the command goes on (as compose's "press Ctrl+C again to force"); a second Ctrl-C
// leaves at once (exit 130), and the next podrun command finishes what is left
// (runtime/finish-deletes.ts). Outside the waits, and off a terminal, Ctrl-C is Node's default:
// the command ends.
// Several waits at once (`up` stopping its pods) share one line and one Ctrl-C.
import type { GraceWait, GraceWatch } from '../runtime/stop';
import { liveLine, writeErr } from './output';

/** After how long a wait gets its line (and Ctrl-C): a stop that honours its signal is over long before. */
const SHOW_AFTER_MS = 800;

function seconds(ms: number, round: (x: number) => number): string {
  const s = round(ms / 1000);
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/** The progress line (pure: table-tested). */
export function graceLine(what: string, running: string[] | undefined, elapsedMs: number, graceMs: number, killing: boolean): string {
  const who = running === undefined ? 'its containers' : running.length === 0 ? 'the last process' : running.join(', ');
  if (killing) return `${what}: killing ${who} now`;
  const left = Math.max(0, graceMs - elapsedMs);
  return `${what}: waiting for ${who} to stop (${seconds(elapsedMs, Math.floor)}; SIGKILL in ${seconds(left, Math.ceil)}) - Ctrl-C kills now`;
}

interface Active {
  what: string;
  start: number;
  graceMs: number;
  running?: string[];
  kill(): void;
}

/** The line for every wait in progress: one as graceLine says, several summed up. */
function linesOf(active: Active[], killing: boolean, now: number): string {
  if (active.length === 1) {
    const a = active[0];
    return graceLine(a.what, a.running, now - a.start, a.graceMs, killing);
  }
  const whats = active.map((a) => a.what).join(', ');
  if (killing) return `${whats}: killing them now`;
  const first = Math.min(...active.map((a) => a.start));
  const left = Math.max(...active.map((a) => a.start + a.graceMs - now));
  return `${whats}: waiting for them to stop (${seconds(now - first, Math.floor)}; SIGKILL in ${seconds(Math.max(0, left), Math.ceil)}) - Ctrl-C kills now`;
}

export interface CliGraceWatch extends GraceWatch {
  /** A wait is in progress (`apply --watch`: a Ctrl-C then kills, else it ends the watch). */
  waiting(): boolean;
  /** What a Ctrl-C during a wait does, for a command that handles SIGINT itself (`up`): kill what waits, now and from now on. */
  interrupt(): void;
  /** Takes the line off the terminal before other output (`up`'s logs); the next tick draws it again. */
  clear(): void;
}

/** SIGINT: the watch's own handler (delete, apply), or none (`up` calls interrupt()). */
export function graceWatch(opts: { tty?: boolean; sigint?: boolean } = {}): CliGraceWatch {
  // Asked at the first wait: loading tty (and net with it) costs milliseconds a quick stop never needs.
  let ttyKnown: boolean | undefined = opts.tty;
  const isTty = () => (ttyKnown ??= (require('tty') as typeof import('tty')).isatty(2));
  // Off a terminal a SIGINT (`timeout -s INT`, a CI runner) ends the command as always: the
  // monitor goes on with the stop and the next command finishes the delete.
  const ownSigint = () => opts.sigint !== false && isTty();
  const active = new Set<Active>();
  let interrupted = 0;
  const line = liveLine();
  let timer: NodeJS.Timeout | undefined;
  let armed = false; // the SIGINT listener is on
  const draw = () => {
    const now = Date.now();
    const list = [...active].filter((a) => now - a.start >= SHOW_AFTER_MS);
    if (!list.length || !isTty()) return;
    // Ctrl-C is taken over once a wait has lasted: a quick stop never loads tty for it
    if (!armed && ownSigint()) {
      process.on('SIGINT', onInt);
      armed = true;
    }
    line.show(linesOf(list, interrupted > 0, now));
  };
  const interrupt = () => {
    interrupted++;
    for (const a of active) a.kill();
    draw();
  };
  const onInt = () => {
    if (interrupted > 0) {
      writeErr(`${line.shown() ? '\n' : ''}${[...active].map((a) => a.what).join(', ')}: left while stopping; the next podrun command finishes it\n`);
      process.exit(130);
    }
    interrupt();
  };
  return {
    interrupt,
    waiting: () => active.size > 0,
    clear: () => line.clear(),
    begin(what: string, graceMs: number, startedAt?: number): GraceWait {
      let cutShort!: () => void;
      const now = new Promise<void>((r) => (cutShort = r));
      const a: Active = { what, start: startedAt ?? Date.now(), graceMs, kill: cutShort };
      active.add(a);
      timer ??= setInterval(draw, 250);
      // One Ctrl-C is for the whole command: a later wait (the next pod) kills at once too.
      if (interrupted) cutShort();
      return {
        now,
        progress(names) {
          a.running = names;
        },
        end() {
          if (!active.delete(a)) return;
          if (armed && !active.size) {
            process.removeListener('SIGINT', onInt);
            armed = false;
          }
          if (active.size) return;
          clearInterval(timer);
          timer = undefined;
          line.clear();
        },
      };
    },
  };
}
