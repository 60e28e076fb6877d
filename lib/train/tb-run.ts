/**
 * What a training run shows in TensorBoard (`<run>/tb/`): the losses.csv columns (loss_d, loss_g,
 * d_x, d_g_z1, d_g_z2) at every iteration, written in one batch at each of the trainer's log
 * flushes; images_per_s over each flush window; the fixed-noise grid after every epoch (image
 * `fixed_noise`, and the labelled `same_face` grid of conditional runs); and, when metrics.json is
 * written, its numbers as `metrics/<name>` at the run's last step. Steps are the iteration numbers
 * of losses.csv (0-based), so images line up with the loss curves.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LossRow } from './csv-log';
import { openTensorBoard, TensorBoardWriter } from './tensorboard';

/** The TensorBoard log folder of a run. */
export const tensorboardDir = (runDir: string) => path.join(runDir, 'tb');

export const LOSS_TAGS = ['loss_d', 'loss_g', 'd_x', 'd_g_z1', 'd_g_z2'] as const;

export class RunTensorBoard {
  private lastTime = Date.now();
  private warned = false;
  /** Over an open writer (the training session's, lib/train/session.ts); closing it is the session's. */
  constructor(private readonly w: TensorBoardWriter, private readonly batchSize: number, private readonly warn: (l: string) => void = (l) => process.stderr.write(l + '\n')) {}

  /** New loss rows (one per iteration) and the throughput since the previous call. */
  losses(rows: LossRow[]): void {
    if (rows.length === 0) return;
    for (const r of rows) for (const t of LOSS_TAGS) this.w.scalar(t, r[t], r.iter);
    const now = Date.now();
    const secs = (now - this.lastTime) / 1000;
    this.lastTime = now;
    if (secs > 0) this.w.scalar('images_per_s', (rows.length * this.batchSize) / secs, rows[rows.length - 1].iter);
    this.w.flush();
  }

  /** The grid files written at the end of an epoch whose last iteration is `step`. */
  grid(step: number, gridFile: string, sameFaceFile?: string): void {
    try {
      this.w.image('fixed_noise', fs.readFileSync(gridFile), step);
      if (sameFaceFile) this.w.image('same_face', fs.readFileSync(sameFaceFile), step);
      this.w.flush();
    } catch (e) {
      if (!this.warned) this.warn(`warning: TensorBoard grid not written: ${(e as Error).message}`);
      this.warned = true;
    }
  }
}

/**
 * The numbers of a metrics.json (top level, finite) as `metrics/<name>` scalars in `<run>/tb/`, at
 * the run's last iteration (summary.json `steps` - 1). Never throws: a run without TensorBoard
 * logging gets a warning line at most.
 */
export function tensorboardMetrics(runDir: string, metrics: Record<string, unknown>, warn?: (l: string) => void): void {
  try {
    const summaryFile = path.join(runDir, 'summary.json');
    const steps = fs.existsSync(summaryFile) ? Number((JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as { steps?: unknown }).steps) : NaN;
    const step = Number.isInteger(steps) && steps > 0 ? steps - 1 : 0;
    const w = openTensorBoard(tensorboardDir(runDir), { warn });
    for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number' && Number.isFinite(v)) w.scalar(`metrics/${k}`, v, step);
    w.close();
  } catch (e) {
    (warn ?? ((l: string) => process.stderr.write(l + '\n')))(`warning: TensorBoard metrics not written: ${(e as Error).message}`);
  }
}
