/**
 * The headless runner behind `npm run notebook`: read a notebook, inject parameters
 * papermill-style, execute every cell through tslab, and write the executed notebook (outputs and
 * images embedded, timings, status) into the run directory the notebook recorded (scrap
 * `run_dir`), or where `output` says. A failed or interrupted run still writes the partial notebook.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Notebook, Output, TSLAB_KERNELSPEC, joinText, readNotebook, writeNotebook } from './nbformat';
import { injectParameters, INJECTED_TAG } from './inject';
import { Params } from './params';
import { CellStatus, NotebookExecution, NotebookStatus } from './execute';
import { RUN_DIR_SCRAP, readScraps } from './scrap';
import { CellError, installedTslabVersion } from './tslab';
import { RESULTS_DIR } from '../../runs/run-dir';
import { ensureFaceganResolves, PROJECT_ROOT } from './link';

export interface RunNotebookOptions {
  /** The notebook to run (.ipynb, tslab kernel). */
  input: string;
  /** Parameters to inject (papermill-typed); none: the notebook runs as it is. */
  params?: Params;
  /** Where to write the executed notebook (default: <run_dir>/<name>.ipynb, see {@link defaultOutputPath}). */
  output?: string;
  /** Only inject the parameters and write the notebook (to `output`), without executing it. */
  prepareOnly?: boolean;
  /** Inject parameters the parameters cell does not declare (default: an error naming the declared ones). */
  allowUnknown?: boolean;
  /** Folder the cells run in (default: the folder recorded by an earlier run, else the notebook's). */
  cwd?: string;
  /** Echo cell outputs (text; a note for images) to stderr while running. */
  logOutput?: boolean;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Stop after the running cell (interrupting it if it still runs after `graceMs`): the program's first Ctrl-C. */
  signal?: AbortSignal;
  /**
   * Stop now: the partial notebook is written at once (synchronously, inside the abort) and its
   * path printed as stdout's last line; the program then exits (its second Ctrl-C).
   */
  stopNow?: AbortSignal;
  /** Default 30 s: long enough for training to finish its step and save a checkpoint. */
  graceMs?: number;
}

export interface RunNotebookResult {
  status: NotebookStatus | 'prepared';
  /** Where the notebook was written. */
  outputPath: string;
  /** Scraps the notebook recorded (run_dir, ...). */
  scraps: Record<string, unknown>;
  /** The failing cell's error. */
  error?: CellError;
  /** Its position among the code cells (1-based, as "In [n]"). */
  failedCell?: number;
  nb: Notebook;
}

/** Exit code of an interrupted run, as for SIGINT. */
export const EXIT_INTERRUPTED = 130;

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Where an executed notebook goes without -o: `<run_dir>/<notebook name>` when the notebook
 * recorded a run directory, else `results/notebooks/<name>-<time>.ipynb`.
 */
export function defaultOutputPath(input: string, scraps: Record<string, unknown>, resultsDir = RESULTS_DIR): string {
  const name = path.basename(input);
  const runDir = scraps[RUN_DIR_SCRAP];
  if (typeof runDir === 'string' && runDir !== '' && fs.existsSync(runDir)) return path.join(runDir, name);
  return path.join(resultsDir, 'notebooks', `${name.replace(/\.ipynb$/i, '')}-${stamp()}.ipynb`);
}

function checkKernel(nb: Notebook, file: string): void {
  const k = nb.metadata.kernelspec;
  if (k && k.name !== TSLAB_KERNELSPEC.name) {
    throw new Error(`${file}: uses the "${k.name}" kernel; the facegan runner executes tslab (TypeScript) notebooks only`);
  }
  nb.metadata.kernelspec = { ...TSLAB_KERNELSPEC };
}

function cellsFolder(nb: Notebook, input: string, explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  const recorded = (nb.metadata.papermill as { cwd?: unknown } | undefined)?.cwd;
  if (typeof recorded === 'string' && fs.existsSync(recorded)) return recorded;
  return path.dirname(input);
}

function describeOutput(o: Output): string {
  if (o.output_type === 'stream') return joinText(o.text);
  if (o.output_type === 'error') return `${o.ename}: ${o.evalue}\n`;
  const kinds = Object.keys(o.data).filter((k) => k !== 'text/plain' && !k.includes('scrapbook'));
  if (kinds.length === 0) return typeof o.data['text/plain'] === 'string' ? `${o.data['text/plain']}\n` : '';
  return `[${kinds.join(', ')}]\n`;
}

/** Runs (or with `prepareOnly`, parameterises) a notebook; see the file comment. */
export async function runNotebook(opts: RunNotebookOptions): Promise<RunNotebookResult> {
  // the runner's own messages bypass the cell capture (process.stderr.write is redirected while a cell runs)
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const log = opts.log ?? ((l: string) => void stderrWrite(l + '\n'));
  const input = path.resolve(opts.input);
  const nb = readNotebook(input);
  checkKernel(nb, input);
  const params = opts.params ?? {};
  const inj = injectParameters(nb, params);
  const unknown = inj?.unknown ?? [];
  if (unknown.length && !opts.allowUnknown) {
    const declared = Object.keys(inj!.defaults);
    throw new Error(
      `${input}: unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; ` +
        `the notebook's parameters are ${declared.length ? declared.join(', ') : '(none: no cell tagged "parameters")'} ` +
        `(--allow-unknown injects ${unknown.length > 1 ? 'them' : 'it'} anyway)`,
    );
  }
  for (const name of unknown) log(`warning: parameter "${name}" is not declared in the notebook's parameters cell (injected anyway)`);
  const cwd = cellsFolder(nb, input, opts.cwd);
  // `import fg from 'facegan'` must resolve where the cells run (and where Jupyter will run a prepared copy)
  const linked = ensureFaceganResolves(opts.prepareOnly && opts.output ? path.dirname(path.resolve(opts.output)) : cwd, nb);
  if (linked) log(`note: linked ${linked} -> ${PROJECT_ROOT} so that the notebook's \`import ... from 'facegan'\` resolves there`);
  const injectedCell = nb.cells.find((c) => (c.metadata.tags ?? []).includes(INJECTED_TAG));
  nb.metadata.papermill = {
    ...(nb.metadata.papermill as object | undefined),
    input_path: input,
    output_path: opts.output ? path.resolve(opts.output) : null,
    cwd,
    parameters: inj ? params : ((nb.metadata.papermill as { parameters?: Params } | undefined)?.parameters ?? {}),
    default_parameters: inj?.defaults ?? {},
    environment_variables: {},
    version: `facegan notebook runner (tslab ${installedTslabVersion()})`,
  };
  if (injectedCell && !inj) log('note: no parameters given: the injected-parameters cell of the earlier run is kept');

  if (opts.prepareOnly) {
    if (!opts.output) throw new Error('--prepare-only needs -o OUT.ipynb (in the notebook\'s folder if a Jupyter kernel will run it, so its imports resolve)');
    const out = path.resolve(opts.output);
    writeNotebook(out, nb);
    return { status: 'prepared', outputPath: out, scraps: {}, nb };
  }

  const explicitOut = opts.output ? path.resolve(opts.output) : undefined;
  const outputFor = (n: Notebook) => explicitOut ?? defaultOutputPath(input, readScraps(n));
  const exec = new NotebookExecution(nb, {
    cwd,
    onCellStart: ({ number, total, source }) => {
      const first = source.split('\n').find((l) => l.trim() !== '') ?? '';
      log(`[${number}/${total}] ${first.length > 70 ? first.slice(0, 67) + '...' : first}`);
    },
    onCellEnd: ({ number, status, duration, error }) => {
      const st: CellStatus = status;
      if (st !== 'completed') log(`[${number}] ${st} after ${duration.toFixed(1)} s${error ? `: ${error.ename}: ${error.evalue}` : ''}`);
      else if (duration >= 1) log(`[${number}] done in ${duration.toFixed(1)} s`);
    },
    onOutput: opts.logOutput
      ? ({ output, update }) => {
          if (!update) stderrWrite(describeOutput(output));
        }
      : undefined,
  });

  const onStop = () => {
    const grace = opts.graceMs ?? 30_000;
    log(`\nCtrl-C: stopping after the running cell (interrupting it in ${Math.round(grace / 1000)} s); Ctrl-C again to stop now`);
    exec.stop(grace);
  };
  const onStopNow = () => {
    // write what there is, synchronously: the program exits right after
    const snap = exec.snapshot();
    const out = outputFor(snap);
    snap.metadata.papermill = { ...(snap.metadata.papermill as object), output_path: out };
    writeNotebook(out, snap);
    log(`stopped: partial notebook written to ${out}`);
    stdoutWrite(out + '\n'); // the CLI's last stdout line, as on a normal end
  };
  opts.signal?.addEventListener('abort', onStop, { once: true });
  opts.stopNow?.addEventListener('abort', onStopNow, { once: true });
  let result;
  try {
    result = await exec.run();
  } finally {
    opts.signal?.removeEventListener('abort', onStop);
    opts.stopNow?.removeEventListener('abort', onStopNow);
  }
  if (result.status === 'failed' && result.cellIndex !== undefined && result.error) {
    const cell = nb.cells[result.cellIndex];
    if (cell.cell_type === 'code' && (cell.metadata.tags ?? []).includes(INJECTED_TAG)) {
      result.error = explainParameterError(result.error, joinText(cell.source));
      const o = cell.outputs.find((x) => x.output_type === 'error');
      if (o && o.output_type === 'error') o.evalue = result.error.evalue;
    }
  }
  const scraps = readScraps(nb);
  const out = outputFor(nb);
  (nb.metadata.papermill as Record<string, unknown>).output_path = out;
  writeNotebook(out, nb);
  const failed = result.cellIndex !== undefined ? nb.cells[result.cellIndex] : undefined;
  return {
    status: result.status,
    outputPath: out,
    scraps,
    error: result.error,
    failedCell: failed && failed.cell_type === 'code' ? (failed.execution_count ?? undefined) : undefined,
    nb,
  };
}

/**
 * A compile error in the injected cell, said in terms of parameters: `4:3 - Type 'number' is not
 * assignable to type 'string'` becomes `parameter "name": Type 'number' ...` plus how to pass a string.
 */
export function explainParameterError(error: CellError, injectedSource: string): CellError {
  if (error.ename !== 'TSError') return error;
  const lines = injectedSource.split('\n');
  const explained = error.evalue.split('\n').map((d) => {
    const m = /^(\d+):\d+ - (.*)$/.exec(d);
    const name = m ? /^\s*(?:(?:const|let)\s+)?([A-Za-z_$][\w$]*)/.exec(lines[Number(m[1]) - 1] ?? '')?.[1] : undefined;
    return m && name ? `parameter "${name}": ${m[2]}` : d;
  });
  const hint = ' (-p values are typed like papermill\'s: numbers, true/false, null, else strings; -r NAME VALUE passes a string as it is)';
  return { ...error, evalue: explained.join('\n') + hint };
}
