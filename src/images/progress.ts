// Pull/push progress like `docker pull`: on a terminal one line per layer, redrawn in place
// (`a1b2c3d4e5f6: Downloading 12.3MB/50.1MB 4.5MB/s`); when not a terminal one plain line per
// status change (no byte counters, so logs stay readable); nothing when quiet.

export interface Progress {
  /** A layer's state; `current`/`total` in bytes while transferring. `id` is a short digest. */
  layer(id: string, status: string, current?: number, total?: number): void;
  /** A free-form line (e.g. "Digest: sha256:..."); ends the in-place layer block on a TTY. */
  line(text: string): void;
  /** Final redraw; call once at the end (also on failure). */
  done(): void;
}

export type ProgressMode = 'tty' | 'plain' | 'quiet';

/** Decimal units as docker prints them: 950B, 12.3kB, 50.1MB, 1.2GB. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(v)}B` : `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)}${units[i]}`;
}

/** The 12-hex id docker shows for a layer. */

interface LayerState {
  id: string;
  status: string;
  current?: number;
  total?: number;
  startedAt?: number;
  startBytes?: number;
}

export function formatLayer(s: LayerState, now: number): string {
  let text = `${s.id}: ${s.status}`;
  if (s.current !== undefined) {
    text += ` ${humanSize(s.current)}${s.total !== undefined ? `/${humanSize(s.total)}` : ''}`;
    if (s.startedAt !== undefined && now > s.startedAt + 200) {
      const rate = ((s.current - (s.startBytes ?? 0)) * 1000) / (now - s.startedAt);
      text += ` ${humanSize(rate)}/s`;
    }
  }
  return text;
}

export function createProgress(opts: {
  mode: ProgressMode;
  write: (s: string) => void;
  now?: () => number;
  intervalMs?: number;
  /** Terminal width: longer lines are cut so a wrapped line cannot break the cursor arithmetic. */
  columns?: number;
}): Progress {
  const now = opts.now ?? Date.now;
  if (opts.mode === 'quiet') return { layer() {}, line() {}, done() {} };
  if (opts.mode === 'plain') {
    const last = new Map<string, string>();
    return {
      layer(id, status) {
        if (last.get(id) === status) return;
        last.set(id, status);
        opts.write(`${id}: ${status}\n`);
      },
      line(text) {
        opts.write(text + '\n');
      },
      done() {},
    };
  }
  // TTY: the block of layer lines sits at the bottom; redraw it by moving the cursor up.
  const interval = opts.intervalMs ?? 100;
  let layers: LayerState[] = [];
  let drawn = 0;
  let lastDraw = 0;
  const render = () => {
    const t = now();
    lastDraw = t;
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    const width = opts.columns && opts.columns > 10 ? opts.columns - 1 : Infinity;
    for (const s of layers) out += `\r\x1b[2K${formatLayer(s, t).slice(0, width)}\n`;
    drawn = layers.length;
    opts.write(out);
  };
  return {
    layer(id, status, current, total) {
      let s = layers.find((l) => l.id === id);
      if (!s) layers.push((s = { id, status }));
      const changed = s.status !== status;
      if (changed || (current !== undefined && s.startedAt === undefined)) {
        s.startedAt = now();
        s.startBytes = current ?? 0;
      }
      s.status = status;
      s.current = current;
      s.total = total;
      if (changed || now() - lastDraw >= interval) render();
    },
    line(text) {
      if (layers.length) render();
      layers = [];
      drawn = 0;
      opts.write(`\r\x1b[2K${text}\n`);
    },
    done() {
      if (layers.length) render();
    },
  };
}

/** Progress for a `(line) => void` sink (H2's resolveImage passes one): plain lines, no newline. */
export function lineProgress(sink: ((line: string) => void) | undefined): Progress {
  if (!sink) return createProgress({ mode: 'quiet', write: () => undefined });
  return createProgress({ mode: 'plain', write: (s) => sink(s.replace(/\n$/, '')) });
}
