// The CLI's side of a graceful stop (runtime/stop.ts GraceWatch): on a terminal a live line says
// what it waits for and how long it may take; Ctrl-C during the wait kills what still runs at
// once and the command goes on (as compose's "press Ctrl+C again to force"); a second Ctrl-C
// leaves at once (exit 130), and the next podrun command finishes what is left
// (runtime/finish-deletes.ts). Outside the waits Ctrl-C is Node's default: the command ends.
import type { GraceWait, GraceWatch } from '../runtime/stop';
import { writeErr } from './output';

/** After how long a wait gets its line: a stop that honours its signal is over long before. */
const SHOW_AFTER_MS = 800;

function seconds(ms: number, round: (x: number) => number): string {
  const s = round(ms / 1000);
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/** The progress line (pure: table-tested). */
export function graceLine(what: string, running: string[] | undefined, elapsedMs: number, graceMs: number, killing: boolean, killable: boolean): string {
  const who = running === undefined ? 'its containers' : running.length === 0 ? 'the last process' : running.join(', ');
  if (killing) return `${what}: killing ${who} now`;
  const left = Math.max(0, graceMs - elapsedMs);
  return `${what}: waiting for ${who} to stop (${seconds(elapsedMs, Math.floor)}; SIGKILL in ${seconds(left, Math.ceil)})${killable ? ' - Ctrl-C kills now' : ''}`;
}

export function graceWatch(tty = (require('tty') as typeof import('tty')).isatty(2)): GraceWatch {
  let interrupted = 0;
  return {
    begin(what: string, graceMs: number, killable: boolean): GraceWait {
      const start = Date.now();
      let running: string[] | undefined;
      let killing = false;
      let shown = false;
      let cutShort!: () => void;
      const now = new Promise<void>((r) => (cutShort = r));
      const draw = () => {
        if (!tty || Date.now() - start < SHOW_AFTER_MS) return;
        const line = graceLine(what, running, Date.now() - start, graceMs, killing, killable);
        const cols = process.stderr.columns || 80;
        writeErr(`\r\x1b[K${line.length >= cols ? line.slice(0, cols - 1) : line}`);
        shown = true;
      };
      const onInt = () => {
        if (++interrupted > 1) {
          writeErr(`${shown ? '\n' : ''}${what}: left while it stops; the next podrun command finishes it\n`);
          process.exit(130);
        }
        killing = true;
        cutShort();
        draw();
      };
      if (killable) process.on('SIGINT', onInt);
      // One Ctrl-C is for the whole command: a later wait (the next pod) kills at once too.
      if (killable && interrupted) {
        killing = true;
        cutShort();
      }
      const timer = setInterval(draw, 250);
      return {
        now,
        progress(names) {
          running = names;
        },
        end() {
          clearInterval(timer);
          if (killable) process.removeListener('SIGINT', onInt);
          if (shown) writeErr('\r\x1b[K');
        },
      };
    },
  };
}
