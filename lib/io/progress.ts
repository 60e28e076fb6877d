/**
 * The one terminal progress bar (training, classifier, image decoding): `label [####----] done/total
 * pct% elapsed, ETA | info`, redrawn in place on a TTY, else a line every ~5%.
 */
export class ProgressBar {
  private start = Date.now();
  private lastLine = 0;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly startAt = 0,
  ) {
    this.tty = Boolean(stream.isTTY) && !process.env.CI;
  }

  update(done: number, info = ''): void {
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const elapsed = (Date.now() - this.start) / 1000;
    const rate = (done - this.startAt) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : NaN;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const line = `${this.label} [${bar}] ${done}/${this.total} ${(frac * 100).toFixed(0)}% ` +
      `${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}${info ? ' | ' + info : ''}`;
    if (this.tty) {
      this.stream.write(`\r${line.slice(0, (this.stream.columns || 120) - 1)}\x1b[K`);
    } else {
      const step = Math.max(1, Math.floor(this.total / 20));
      if (done === this.total || done - this.lastLine >= step || this.lastLine === 0) {
        this.stream.write(line + '\n');
        this.lastLine = done;
      }
    }
  }

  done(): void {
    if (this.tty) this.stream.write('\n');
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A bar for counted work (e.g. decoding files) that reports items per second; silent when disabled. */
export interface Progress {
  tick(done: number): void;
  done(): void;
}

/**
 * A ProgressBar on stderr for `total` items, updated at most every `every` items, with the rate
 * (`unit`/s) as its info; does nothing when `enabled` is false.
 */
export function progress(label: string, total: number, enabled: boolean, every = 1000, unit = 'img'): Progress {
  if (!enabled) return { tick: () => {}, done: () => {} };
  const bar = new ProgressBar(total, label, process.stderr);
  const t0 = Date.now();
  let last = 0;
  const info = (done: number) => `${(done / Math.max((Date.now() - t0) / 1000, 1e-9)).toFixed(0)} ${unit}/s`;
  return {
    tick(done: number) {
      if (done - last < every) return;
      last = done;
      bar.update(done, info(done));
    },
    done() {
      bar.update(total, info(total));
      bar.done();
    },
  };
}
