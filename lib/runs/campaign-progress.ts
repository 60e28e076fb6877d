/**
 * The campaign's own progress line: runs done / total, the current run, and the campaign's ETA
 * from measured speed (images/s per model size, from finished runs' summary.json and the current
 * run's live rate; a size not measured yet borrows a measured one scaled by pixel count). On a
 * terminal the line sits above the run's own progress bar (lib/io/progress.ts) and is redrawn
 * in place; otherwise it is printed once per run start and end.
 */
import { formatSeconds } from '../io/progress';

export interface CampaignItem {
  name: string;
  /** Model image size (speed key) and pixels per image. */
  key: string;
  pixels: number;
  /** Training images still to see in this run (epochs x images), null when unknown. */
  remaining: number | null;
  done: boolean;
}

export class CampaignProgress {
  private readonly rates = new Map<string, number>();
  private current: { index: number; started: number; images: number; startAt: number; firstLogAt: number | null } | null = null;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly items: CampaignItem[],
    private readonly stream: NodeJS.WriteStream = process.stderr,
    interactive = true,
  ) {
    this.tty = interactive && Boolean(stream.isTTY) && !process.env.CI;
  }

  /** A measured speed of runs of this model size (e.g. a finished run's summary.imagesPerSecond). */
  measured(key: string, imagesPerSecond: number): void {
    if (Number.isFinite(imagesPerSecond) && imagesPerSecond > 0) this.rates.set(key, imagesPerSecond);
  }

  private rateFor(item: CampaignItem): number | null {
    const own = this.rates.get(item.key);
    if (own) return own;
    for (const other of this.items) {
      const r = this.rates.get(other.key);
      if (r) return (r * other.pixels) / item.pixels; // same network family: cost ~ pixels per image
    }
    return null;
  }

  /** Seconds of training left in the campaign, null when some part cannot be estimated yet. */
  etaSeconds(): number | null {
    let total = 0;
    for (const it of this.items) {
      if (it.done || it.remaining === 0) continue;
      const rate = this.rateFor(it);
      if (it.remaining === null || rate === null) return null;
      total += it.remaining / rate;
    }
    return total;
  }

  line(): string {
    const done = this.items.filter((i) => i.done).length;
    const cur = this.current ? this.items[this.current.index] : null;
    const eta = this.etaSeconds();
    const curRate = cur ? this.rates.get(cur.key) : undefined;
    return (
      `${this.label}: ${done}/${this.items.length} runs done` +
      (cur ? ` | now ${cur.name} (${this.current!.index + 1}/${this.items.length})${curRate ? `, ${curRate.toFixed(0)} images/s` : ''}` : '') +
      ` | campaign ETA ${eta === null ? '--' : formatSeconds(eta)}`
    );
  }

  /** A run starts: `remaining` training images to go (null: unknown until its data is loaded). */
  startRun(index: number, remaining: number | null): void {
    const it = this.items[index];
    if (remaining !== null) it.remaining = remaining;
    this.current = { index, started: Date.now(), images: 0, startAt: it.remaining ?? 0, firstLogAt: null };
    this.print();
  }

  /** Learns the run's size once known (its config.json after the data loaded). */
  setRemaining(index: number, remaining: number): void {
    this.items[index].remaining = remaining;
    if (this.current?.index === index) this.current.startAt = remaining;
  }

  /** After each log flush of the current run: `images` trained since the last call. */
  trained(images: number): void {
    const c = this.current;
    if (!c) return;
    const now = Date.now();
    const it = this.items[c.index];
    let fresh = false;
    if (c.firstLogAt === null) {
      c.firstLogAt = now; // the rate is measured from here on (graph building and data loading excluded)
      fresh = true;
    } else {
      c.images += images;
      const secs = (now - c.firstLogAt) / 1000;
      if (secs >= 2) this.measured(it.key, c.images / secs);
    }
    if (it.remaining !== null) it.remaining = Math.max(0, it.remaining - images);
    // on a terminal: a fresh line just before the run's bar first draws, then redrawn in place above it
    if (this.tty) (fresh ? this.print() : this.redrawAbove());
  }

  /** The current run ended (completed or not). */
  endRun(completed: boolean): void {
    if (this.current && completed) {
      const it = this.items[this.current.index];
      it.done = true;
      it.remaining = 0;
    }
    this.current = null;
    this.print();
  }

  private print(): void {
    this.stream.write(`${this.line()}\n`);
  }

  /** Redraws the campaign line one row up (the run's bar is on the current row), cursor back on the bar's row. */
  private redrawAbove(): void {
    const width = (this.stream.columns || 120) - 1;
    this.stream.write(`\x1b[1A\r${this.line().slice(0, width)}\x1b[K\x1b[1B\r`);
  }
}
