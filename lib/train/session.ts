/**
 * The training session: what every trainer's loop needs besides its step, in one place. A trainer
 * (the study's GAN, lib/train/trainer.ts; the expression translator, translate-trainer.ts; the FER
 * classifier, lib/classify/classifier-train.ts) gives its step, how a step's numbers are read back
 * and become a log row, and hooks for its own records (grids, the checkpoint choice, progress.csv);
 * the session owns the rest:
 *   - resume from the newest intact checkpoint (a CheckpointStore: checkpoint.ts's layout for G/D
 *     pairs, the classifier's own), and saving checkpoints (at epoch ends and every
 *     `checkpointEvery` iterations; and at the end, so a stopped run continues exactly);
 *   - losses.csv (lib/train/csv-log.ts), appended every `logEvery` iterations: device-to-host reads
 *     happen only then, and a non-finite loss stops the run there (DivergedError), before any
 *     checkpoint of the bad weights;
 *   - TensorBoard (`<run>/tb/`), the progress callback, summary.json (`running` at the start, the
 *     final record at the end: completed, stopped at maxSteps, interrupted with the signal,
 *     diverged, failed with the reason);
 *   - stopping through an AbortSignal: the step in progress finishes, a checkpoint is saved and the
 *     run ends `interrupted` (the signal's reason, e.g. 'SIGTERM', is the record's `signal`). The
 *     programs (scripts/) map SIGINT/SIGTERM/SIGHUP to the abort; lib never handles signals.
 */
import { CsvLog } from './csv-log';
import { saveCheckpoint, loadNewestCheckpoint, TrainState } from './checkpoint';
import { GanPair } from './gan-pair';
import { openTensorBoard, TensorBoardWriter } from './tensorboard';
import { tensorboardDir } from './tb-run';
import { writeRunningSummary, writeFinalSummary, RunStatus, RunSummaryCore, SessionCounts } from './run-summary';
import { yieldToEventLoop, drainSignals, StopSignal, stopSignalOf } from './event-loop';
import { updateLossPlot } from '../viz/losses-csv';

/** Thrown when a loss becomes NaN/Inf; the run's last good checkpoint is left intact. */
export class DivergedError extends Error {}

/** Where a run stands: the session's counters and the trainer's own fields (RNG, data order, ...). */
export interface SessionState {
  /** Optimizer steps completed (= iterations). */
  step: number;
  /** Epoch the next iteration belongs to (0-based). */
  epoch: number;
  /** Iteration within that epoch of the next batch. */
  iterInEpoch: number;
  /** Seconds of training so far (summed over resumed sessions). */
  seconds: number;
  [k: string]: unknown;
}

/** How a run's checkpoints are written and found (the newest intact one). */
export interface CheckpointStore {
  /** The newest intact checkpoint (damaged ones skipped with a note on `say`), or null when the run has none. */
  load(say: (line: string) => void): { dir: string; state: Partial<SessionState> & { step: number } } | null;
  /** Saves `state` and returns its folder; `known` is the last checkpoint this session knows to be intact. */
  save(state: SessionState, known: string | null): Promise<string>;
}

/** checkpoint.ts's checkpoints of a G/D pair with both optimizers (the GAN and the translator). */
export function pairCheckpoints(runDir: string, pair: GanPair): CheckpointStore {
  return {
    load: (say) => loadNewestCheckpoint(runDir, pair, say),
    save: (state, known) => saveCheckpoint(runDir, pair, state as TrainState, known),
  };
}

/** A progress display (lib/io/progress.ts ProgressBar, a notebook's status line, ...). */
export interface ProgressReporter {
  update(done: number, info: string): void;
  done(): void;
}

/** Where in the run one logged iteration was. */
export interface RowPlace {
  epoch: number;
  iter: number;
  /** Wall-clock seconds of the step (not of the periodic reads and checkpoints). */
  seconds: number;
}

/** The trainer: its step and its log row, and hooks for its own records. */
export interface TrainerParts<T, V, Row extends object> {
  /** One iteration on the next batch: the step's device values (read at the next flush) and the images it used. */
  step(): { t: T; images: number };
  /** Reads the pending steps' values back from the device, in order (and disposes of them). */
  read(ts: T[]): Promise<V[]>;
  /** Disposes of pending steps' values that will not be read (after an error). */
  dispose(ts: T[]): void;
  /** The log row of one iteration. */
  row(v: V, at: RowPlace): Row;
  /** A description of the non-finite loss in `row` that ends the run, else null. */
  divergence?(row: Row): string | null;
  /** The progress line's text after `row`. */
  progressInfo?(row: Row): string;
  /** TensorBoard scalars of new rows (default: every column but epoch and iter, at step `iter`). */
  tensorboard?(w: TensorBoardWriter, rows: Row[]): void;
  /**
   * After each iteration (and its log flush, when due), before a checkpoint that is due: grids and
   * other records. `flush` reads back and logs the steps not yet logged (e.g. before a loss plot).
   */
  afterStep?(at: { epochDone: boolean; flush: () => Promise<void> }): Promise<void>;
  /** After a checkpoint was saved (`epochDone`: the one of an epoch end). */
  afterCheckpoint?(at: { epochDone: boolean }): Promise<void>;
  /** The trainer's own fields of a checkpoint's state (RNG, data order, ...), merged in before it is saved. */
  snapshot?(): Record<string, unknown>;
  /** After the last checkpoint of a session that did not fail: the final grid and such. */
  finish?(): Promise<void>;
}

export interface SessionOptions<Row extends object> {
  runDir: string;
  checkpoints: CheckpointStore;
  /** The run's iterations (a session that ends before them is `stopped`, or `interrupted`). */
  plannedSteps: number;
  /** This session trains up to here (plannedSteps, or less with maxSteps). */
  totalSteps: number;
  perEpoch: number;
  batchSize: number;
  /** Read values back every N iterations (and at epoch ends, the last iteration, a stop). */
  logEvery: number;
  /** Also checkpoint every N iterations (0: not). */
  checkpointEvery: number;
  /** Checkpoint at the end of every epoch (default true). */
  epochCheckpoints?: boolean;
  /** The loss log (losses.csv), or null (the trainer keeps its own records). */
  log: CsvLog<Row> | null;
  /** Write TensorBoard event files into `<runDir>/tb/` (default true). */
  tensorboard?: boolean;
  /** summary.json: the trainer's `final` (null before any row) and its own fields; null: no summary.json. */
  summary: { final(lastRows: Row[]): unknown; extra?(end: { steps: number; sessionSeconds: number }): object } | null;
  /** Draw loss.svg/loss.png from losses.csv at epoch ends and at the end (default: when there is a log). */
  lossPlot?: boolean;
  /** Stops the run after the step in progress, with a checkpoint (status interrupted). */
  signal?: AbortSignal;
  /** The progress display, made when the session starts (at the step it resumes from). */
  progress?: ((startStep: number) => ProgressReporter) | null;
  /** Called after each log flush with the new rows (notebooks refresh a live plot with it). */
  onLog?: (rows: Row[]) => void | Promise<void>;
  /** Notes (a checkpoint skipped as damaged) and warnings (default: stderr). */
  say?: (line: string) => void;
  /** The line said when the signal aborts the run (default: stderr, set apart by blank lines). */
  notify?: (line: string) => void;
}

/** What a session ended with. */
export interface SessionEnd<S> {
  status: RunStatus;
  /** The signal that interrupted it (status interrupted), if its abort reason names one. */
  signal: StopSignal | null;
  state: SessionState;
  /** summary.json as written (null when the session writes none). */
  summary: S | null;
}

export class TrainingSession<Row extends object> {
  /** The run's state: a fresh one, or the checkpoint's after resume(). */
  state: SessionState;
  /** The checkpoint this session started from (null: a fresh run). */
  resumedFrom: string | null = null;
  /** TensorBoard writer while the session runs (null when off). */
  tb: TensorBoardWriter | null = null;
  /** Problems found on resume that did not stop it (summary.json `warnings`). */
  readonly warnings: string[] = [];
  private lastCheckpoint: string | null = null;
  private lastCheckpointStep = -1;
  private sessionStart = Date.now();
  private secondsAtStart = 0;
  private stepAtStart = 0;
  private imagesThisSession = 0;
  private lastRows: Row[] = [];
  private readonly say: (line: string) => void;

  constructor(private readonly o: SessionOptions<Row>, initial: Record<string, unknown> = {}) {
    this.say = o.say ?? ((l) => process.stderr.write(`note: ${l}\n`));
    this.state = { step: 0, epoch: 0, iterInEpoch: 0, seconds: 0, ...initial };
  }

  /**
   * Loads the newest intact checkpoint into the trainer's models and this session's state; returns
   * the state (null when the run has no checkpoint: it starts fresh).
   */
  resume(): SessionState | null {
    const loaded = this.o.checkpoints.load(this.say);
    if (!loaded) return null;
    const st = loaded.state;
    // state.json's own object, so its keys keep their order; a state without epoch counters (the
    // classifier's) has them from its step
    this.state = (st.epoch !== undefined ? st
      : { step: st.step, epoch: Math.floor(st.step / this.o.perEpoch), iterInEpoch: st.step % this.o.perEpoch, seconds: st.seconds ?? 0 }) as SessionState;
    this.resumedFrom = loaded.dir;
    this.lastCheckpoint = loaded.dir;
    this.lastCheckpointStep = this.state.step;
    return this.state;
  }

  /** Seconds of training over all sessions. */
  elapsed(): number {
    return this.secondsAtStart + (Date.now() - this.sessionStart) / 1000;
  }

  private counts(): SessionCounts {
    const s = this.state;
    return { steps: s.step, epochsCompleted: s.epoch, batchSize: this.o.batchSize, trainSeconds: this.elapsed(), lastCheckpoint: this.lastCheckpoint, warnings: this.warnings };
  }

  /** Trains from the current state to totalSteps (or the abort), with every record; returns how it ended. */
  async run<T, V, S = RunSummaryCore<unknown>>(parts: TrainerParts<T, V, Row>): Promise<SessionEnd<S>> {
    const o = this.o;
    const state = this.state;
    const signal = o.signal;
    // listen first (before any await), so the program's signal handler sees a trainer that stops gracefully
    const notify = o.notify ?? ((l: string) => process.stderr.write(`\n${l}\n`));
    const onAbort = () => {
      const sig = stopSignalOf(signal);
      const how = sig === 'SIGINT' ? 'Ctrl-C again' : sig ? `${sig} again` : 'a second stop';
      notify(`Interrupted${sig ? ` (${sig})` : ''}: finishing this step and saving a checkpoint (${how} to abort)`);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const resumeStep = this.resumedFrom ? state.step : null;
    this.sessionStart = Date.now();
    this.secondsAtStart = state.seconds;
    this.stepAtStart = state.step;
    let status: RunStatus = 'completed';
    let message: string | undefined;
    let pending: { t: T; at: RowPlace }[] = [];
    let summary: S | null = null;
    const plot = o.lossPlot ?? o.log !== null;
    let progress: ProgressReporter | null = null;
    const stopped = () => !!signal?.aborted;

    const flush = async () => {
      if (pending.length === 0) return;
      const values = await parts.read(pending.map((p) => p.t));
      const rows = values.map((v, i) => parts.row(v, pending[i].at));
      pending = [];
      o.log?.append(rows);
      if (this.tb && rows.length) {
        if (parts.tensorboard) parts.tensorboard(this.tb, rows);
        else {
          for (const r of rows) for (const [tag, v] of Object.entries(r) as [string, number][]) if (tag !== 'epoch' && tag !== 'iter' && Number.isFinite(v)) this.tb.scalar(tag, v, (r as { iter: number }).iter);
          this.tb.flush();
        }
      }
      if (rows.length) this.lastRows = rows;
      for (const r of rows) {
        const bad = parts.divergence?.(r);
        if (bad) {
          throw new DivergedError(
            `training diverged: a loss became ${bad}; losses.csv has the rows up to it and the last good checkpoint is ` +
              `${this.lastCheckpoint ?? '(none yet)'}. Try a lower learning rate or another --seed.`,
          );
        }
      }
      if (o.onLog) await o.onLog(rows);
      const last = rows[rows.length - 1];
      if (progress && last) progress.update(state.step, parts.progressInfo?.(last) ?? '');
    };
    const checkpoint = async () => {
      await flush(); // never a checkpoint of weights whose losses were not checked
      if (parts.snapshot) Object.assign(state, parts.snapshot());
      state.seconds = this.elapsed();
      this.lastCheckpoint = await o.checkpoints.save(state, this.lastCheckpoint);
      this.lastCheckpointStep = state.step;
    };

    try {
      if (o.log) {
        const note = o.log.open(resumeStep);
        if (note) (this.warnings.push(note), process.stderr.write(`warning: ${note}\n`));
      }
      if (o.tensorboard !== false) {
        this.tb = openTensorBoard(tensorboardDir(o.runDir), { resumeStep: resumeStep ?? undefined, warn: o.say ? (l) => o.say!(l) : undefined });
      }
      if (o.summary) writeRunningSummary(o.runDir, this.counts(), o.summary.extra?.({ steps: 0, sessionSeconds: 0 }) ?? {});
      progress = o.progress?.(state.step) ?? null;
    } catch (e) {
      signal?.removeEventListener('abort', onAbort);
      this.tb?.close();
      throw e;
    }
    try {
      while (state.step < o.totalSteps && !stopped()) {
        const t0 = performance.now();
        const { t, images } = parts.step();
        this.imagesThisSession += images;
        pending.push({ t, at: { epoch: state.epoch, iter: state.step, seconds: (performance.now() - t0) / 1000 } });
        state.step += 1;
        state.iterInEpoch += 1;
        const epochDone = state.iterInEpoch >= o.perEpoch;
        if (epochDone) {
          state.epoch += 1;
          state.iterInEpoch = 0;
        }
        if (epochDone || pending.length >= o.logEvery || state.step >= o.totalSteps || stopped()) await flush();
        await yieldToEventLoop(); // lets the program's signal handler run (lib/train/event-loop.ts)
        if (parts.afterStep) await parts.afterStep({ epochDone, flush });
        const epochCheckpoint = epochDone && o.epochCheckpoints !== false;
        if (epochCheckpoint || (o.checkpointEvery > 0 && state.step % o.checkpointEvery === 0)) {
          await checkpoint();
          if (parts.afterCheckpoint) await parts.afterCheckpoint({ epochDone: epochCheckpoint });
        }
      }
      await flush();
      await drainSignals(); // a signal still pending (sent while data loaded or a step ran) counts
      if (stopped()) status = 'interrupted';
      else if (state.step < o.plannedSteps) status = 'stopped';
      if (this.lastCheckpointStep !== state.step) {
        await checkpoint();
        if (parts.afterCheckpoint) await parts.afterCheckpoint({ epochDone: false });
      }
      if (parts.finish) await parts.finish();
      if (plot) await updateLossPlot(o.runDir);
    } catch (e) {
      parts.dispose(pending.map((p) => p.t));
      pending = [];
      status = e instanceof DivergedError ? 'diverged' : 'failed';
      message = (e as Error).message;
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      progress?.done();
      this.tb?.close();
      if (o.summary) {
        const sessionSeconds = (Date.now() - this.sessionStart) / 1000;
        summary = writeFinalSummary(o.runDir, {
          ...this.counts(), status, final: o.summary.final(this.lastRows), message, signal: status === 'interrupted' ? stopSignalOf(signal) : undefined,
          sessionImages: this.imagesThisSession, sessionSeconds,
        }, o.summary.extra?.({ steps: state.step - this.stepAtStart, sessionSeconds }) ?? {}) as unknown as S;
      }
    }
    return { status, signal: status === 'interrupted' ? stopSignalOf(signal) ?? null : null, state, summary };
  }
}
