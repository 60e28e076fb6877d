/**
 * Executing a notebook's cells in order through tslab (lib/notebook/runner/tslab.ts), recording what
 * papermill and nbclient record: outputs (streams merged, displays updatable by id), execution
 * counts, per-cell `metadata.papermill` {start_time, end_time, duration, status, exception} and
 * `metadata.execution` timings, and per-notebook start/end/duration/status. A failing cell stops
 * the run: it gets an error output (name, message, stack), a marker cell above it and a banner
 * at the top (papermill's `papermill-error-cell-tag` cells, removed again on the next run).
 */
import { Cell, CodeCell, Notebook, Output, cellTags, joinText, newMarkdownCell } from './nbformat';
import { CellError, CellSink, DisplayMessage, TSLAB_LANGUAGE_INFO, TslabSession, createTslabSession } from './tslab';

/** Tag of the banner and marker cells a failed or interrupted run adds (papermill's tag). */
export const ERROR_MARKER_TAG = 'papermill-error-cell-tag';

export type CellStatus = 'pending' | 'running' | 'completed' | 'failed' | 'interrupted';
export type NotebookStatus = 'completed' | 'failed' | 'interrupted';

/** Per-cell record, stored as `cell.metadata.papermill`. */
export interface CellRecord {
  start_time: string | null;
  end_time: string | null;
  duration: number | null;
  status: CellStatus;
  exception: boolean | null;
}

export interface ExecuteOptions {
  /** Folder the cells run in (the notebook's folder, as the kernel's cwd). */
  cwd: string;
  /** Called when a cell starts: its index in nb.cells, its number among code cells, and how many there are. */
  onCellStart?: (info: { index: number; number: number; total: number; source: string }) => void;
  /** Called when a cell ends. */
  onCellEnd?: (info: { index: number; number: number; status: CellStatus; duration: number; error?: CellError }) => void;
  /** Called for every output as it arrives (update: it replaced an earlier display). */
  onOutput?: (info: { index: number; output: Output; update: boolean }) => void;
}

export interface ExecuteResult {
  status: NotebookStatus;
  /** nb.cells index of the failed or interrupted cell. */
  cellIndex?: number;
  error?: CellError;
}

const now = () => new Date().toISOString();
const secondsBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 1000;

function record(cell: Cell): CellRecord {
  return cell.metadata.papermill as CellRecord;
}

/** Removes banner/marker cells of an earlier failed run and resets outputs and records. */
export function resetNotebook(nb: Notebook): void {
  nb.cells = nb.cells.filter((c) => !cellTags(c).includes(ERROR_MARKER_TAG));
  for (const c of nb.cells) {
    c.metadata.papermill = { start_time: null, end_time: null, duration: null, status: 'pending', exception: null } satisfies CellRecord;
    delete c.metadata.execution;
    if (c.cell_type === 'code') {
      c.outputs = [];
      c.execution_count = null;
    }
  }
}

const BANNER_STYLE = 'color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Marks a stopped run in `nb` (in place): a banner at the top and a marker above the cell at
 * `cellIndex`, both tagged {@link ERROR_MARKER_TAG}, like papermill's. Returns the cell's new index.
 */
export function markStop(nb: Notebook, cellIndex: number, status: 'failed' | 'interrupted', error?: CellError): number {
  const cell = nb.cells[cellIndex];
  const label = cell.cell_type === 'code' && cell.execution_count != null ? `In [${cell.execution_count}]` : `cell ${cellIndex + 1}`;
  const what = error ? `: ${escapeHtml(`${error.ename}: ${error.evalue.split('\n')[0]}`)}` : '';
  const top =
    status === 'failed'
      ? `An Exception was encountered at '<a href="#papermill-error-cell">${label}</a>'${what}`
      : `Execution was interrupted (Ctrl-C) at '<a href="#papermill-error-cell">${label}</a>': it and the cells after it did not run to the end`;
  const here =
    status === 'failed'
      ? 'Execution using the facegan notebook runner encountered an exception here and stopped:'
      : 'Execution was interrupted (Ctrl-C) here:';
  const marker = newMarkdownCell(`<span id="papermill-error-cell" style="${BANNER_STYLE}">${here}</span>`, [ERROR_MARKER_TAG]);
  const banner = newMarkdownCell(`<span style="${BANNER_STYLE}">${top}.</span>`, [ERROR_MARKER_TAG]);
  for (const c of [marker, banner]) c.metadata.papermill = { start_time: null, end_time: null, duration: null, status: 'completed', exception: null };
  nb.cells.splice(cellIndex, 0, marker);
  nb.cells.unshift(banner);
  return cellIndex + 2;
}

function errorOutput(e: CellError): Output {
  return { output_type: 'error', ename: e.ename, evalue: e.evalue, traceback: e.traceback };
}

/**
 * One notebook execution. `run()` executes every cell; `stop(graceMs)` (first Ctrl-C) stops after
 * the running cell, interrupting it if it has not finished after graceMs; `interrupt()` stops the
 * running cell now; `snapshot()` is the notebook as it would be written now (for a hard exit).
 */
export class NotebookExecution {
  readonly nb: Notebook;
  private session: TslabSession | null = null;
  private running: number | null = null;
  private stopRequested = false;
  private interrupted = false;
  private graceTimer: NodeJS.Timeout | null = null;
  private displays = new Map<string, Output[]>();
  private startTime = now();

  constructor(nb: Notebook, private readonly opts: ExecuteOptions) {
    this.nb = nb;
  }

  /** Runs all cells; never throws for a failing cell (see the result's status). */
  async run(): Promise<ExecuteResult> {
    const nb = this.nb;
    resetNotebook(nb);
    nb.metadata.language_info = { ...TSLAB_LANGUAGE_INFO };
    this.startTime = now();
    this.setNotebookRecord(null);
    const codeCells = nb.cells.filter((c) => c.cell_type === 'code' && joinText(c.source).trim() !== '');
    let count = 0;
    let result: ExecuteResult = { status: 'completed' };
    this.session = createTslabSession(this.opts.cwd);
    try {
      for (let i = 0; i < nb.cells.length; i++) {
        if (this.stopRequested) {
          result = { status: 'interrupted', cellIndex: i };
          break;
        }
        const cell = nb.cells[i];
        const rec = record(cell);
        rec.start_time = now();
        if (cell.cell_type !== 'code' || joinText(cell.source).trim() === '') {
          Object.assign(rec, { end_time: rec.start_time, duration: 0, status: 'completed', exception: false });
          continue;
        }
        count += 1;
        cell.execution_count = count;
        rec.status = 'running';
        this.running = i;
        this.opts.onCellStart?.({ index: i, number: count, total: codeCells.length, source: joinText(cell.source) });
        const r = await this.session.execute(joinText(cell.source), this.sink(cell, i));
        this.running = null;
        rec.end_time = now();
        rec.duration = secondsBetween(rec.start_time, rec.end_time);
        cell.metadata.execution = {
          'iopub.status.busy': rec.start_time,
          'iopub.execute_input': rec.start_time,
          'shell.execute_reply': rec.end_time,
          'iopub.status.idle': rec.end_time,
        };
        if (r.ok) {
          rec.status = 'completed';
          rec.exception = false;
          this.opts.onCellEnd?.({ index: i, number: count, status: 'completed', duration: rec.duration });
          continue;
        }
        // SIGINT during a cell's synchronous part breaks it (vm breakOnSigint) before our handler sees it
        const wasInterrupt = this.interrupted || /interrupted by .?SIGINT/.test(r.error?.evalue ?? '');
        const error: CellError = wasInterrupt
          ? { ename: 'KeyboardInterrupt', evalue: 'the cell was interrupted (Ctrl-C)', traceback: ['KeyboardInterrupt: the cell was interrupted (Ctrl-C)'] }
          : r.error!;
        cell.outputs.push(errorOutput(error));
        rec.status = wasInterrupt ? 'interrupted' : 'failed';
        rec.exception = true;
        this.opts.onCellEnd?.({ index: i, number: count, status: rec.status, duration: rec.duration, error });
        result = { status: wasInterrupt ? 'interrupted' : 'failed', cellIndex: i, error };
        break;
      }
    } finally {
      if (this.graceTimer) clearTimeout(this.graceTimer);
      this.session.close();
      this.session = null;
    }
    if (result.status !== 'completed' && result.cellIndex !== undefined) {
      result.cellIndex = markStop(nb, result.cellIndex, result.status, result.status === 'failed' ? result.error : undefined);
    }
    this.setNotebookRecord(result);
    return result;
  }

  /** Stop after the running cell; interrupt it if it is still running after `graceMs`. */
  stop(graceMs: number): void {
    this.stopRequested = true;
    if (this.running !== null && !this.graceTimer) {
      this.graceTimer = setTimeout(() => this.interrupt(), graceMs);
      this.graceTimer.unref();
    }
  }

  /** Interrupt the running cell now (its asynchronous wait is abandoned, as in the kernel). */
  interrupt(): void {
    this.stopRequested = true;
    if (this.running !== null && this.session) {
      this.interrupted = true;
      this.session.interrupt();
    }
  }

  /** The notebook as it stands, marked interrupted at the running cell: for writing before a hard exit. */
  snapshot(): Notebook {
    const nb = JSON.parse(JSON.stringify(this.nb)) as Notebook;
    const i = this.running;
    if (i !== null) {
      const cell = nb.cells[i] as CodeCell;
      const rec = record(cell);
      rec.end_time = now();
      rec.duration = secondsBetween(rec.start_time!, rec.end_time);
      rec.status = 'interrupted';
      rec.exception = true;
      cell.outputs.push(errorOutput({ ename: 'KeyboardInterrupt', evalue: 'the run was stopped (Ctrl-C twice)', traceback: ['KeyboardInterrupt: the run was stopped (Ctrl-C twice)'] }));
      markStop(nb, i, 'interrupted');
    }
    const end = now();
    Object.assign(nb.metadata.papermill as object, { end_time: end, duration: secondsBetween(this.startTime, end), exception: true, status: 'interrupted' });
    return nb;
  }

  private setNotebookRecord(result: ExecuteResult | null): void {
    const end = result ? now() : null;
    const meta = (this.nb.metadata.papermill ?? {}) as Record<string, unknown>;
    this.nb.metadata.papermill = {
      ...meta,
      start_time: this.startTime,
      end_time: end,
      duration: end ? secondsBetween(this.startTime, end) : null,
      exception: result ? result.status !== 'completed' : null,
      status: result ? result.status : 'running',
    };
  }

  /** Where a cell's outputs go: streams merge into the previous stream of the same name. */
  private sink(cell: CodeCell, index: number): CellSink {
    return {
      stream: (name, text) => {
        const last = cell.outputs[cell.outputs.length - 1];
        if (last && last.output_type === 'stream' && last.name === name) last.text = joinText(last.text) + text;
        else cell.outputs.push({ output_type: 'stream', name, text });
        this.opts.onOutput?.({ index, output: { output_type: 'stream', name, text }, update: false });
      },
      display: (msg: DisplayMessage, update: boolean) => {
        const id = msg.transient?.display_id;
        const data = { ...msg.data };
        const metadata = { ...(msg.metadata ?? {}) };
        if (update) {
          // Jupyter semantics: replace every output shown with this id; an unknown id is ignored
          for (const o of (id && this.displays.get(id)) || []) Object.assign(o, { data, metadata });
        } else {
          const o: Output = { output_type: 'display_data', data, metadata };
          cell.outputs.push(o);
          if (id) this.displays.set(id, [...(this.displays.get(id) ?? []), o]);
        }
        this.opts.onOutput?.({ index, output: { output_type: 'display_data', data, metadata }, update });
      },
    };
  }
}
