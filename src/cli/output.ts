// Results (fd 1) and messages (fd 2) written with fs.writeSync. process.stdout/stderr are streams
// whose first use loads net or tty plus stream (~5-8 ms of a CLI call); short output needs none
// of that. Kept from the streams: a closed reader (EPIPE) ends that output quietly, and a
// descriptor someone left non-blocking (EAGAIN) is waited on rather than failing.
import { writeSync } from 'fs';

const closed = new Set<number>();
let pause: Int32Array | undefined;

function writeAll(fd: number, text: string): void {
  if (closed.has(fd) || text === '') return;
  let buf = Buffer.from(text, 'utf8');
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        pause ??= new Int32Array(new SharedArrayBuffer(4));
        Atomics.wait(pause, 0, 0, 1);
      } else if (code === 'EPIPE') {
        closed.add(fd);
        return;
      } else {
        throw e;
      }
    }
  }
}

export const writeOut = (text: string): void => writeAll(1, text);
export const writeErr = (text: string): void => writeAll(2, text);

/**
 * One line on stderr redrawn in place (`\r`, erase to the end), cut to the terminal's width so it
 * never wraps (a wrapped line cannot be redrawn); only for a terminal: the caller checks.
 */
export function liveLine(): { show(text: string): void; clear(): void; shown(): boolean } {
  let on = false;
  return {
    show(text) {
      const cols = process.stderr.columns || 80;
      writeErr(`\r\x1b[K${text.length >= cols ? text.slice(0, Math.max(1, cols - 2)) + '…' : text}`);
      on = true;
    },
    clear() {
      if (on) writeErr('\r\x1b[K');
      on = false;
    },
    shown: () => on,
  };
}
