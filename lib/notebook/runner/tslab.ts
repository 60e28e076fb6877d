/**
 * The one adapter between facegan and tslab (pinned at 1.0.22; its internals are used here and
 * nowhere else). Two sides:
 *
 * - Execution (the headless runner): {@link createTslabSession} builds tslab's own TypeScript
 *   converter and executor exactly as its Jupyter kernel does (cwd = the notebook's folder), and
 *   runs cell sources, routing stdout/stderr, display data and errors to a {@link CellSink}
 *   the way the kernel routes them to Jupyter messages.
 * - Display (code running inside a notebook, under JupyterLab's kernel or the runner):
 *   {@link displayBundle} sends a MIME bundle (several types + metadata) as a display_data
 *   message, optionally updatable in place by display id (tslab's `newDisplay()` mechanism).
 */
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'util';
import type { ConverterSet, Executor } from 'tslab/dist/executor';
import type { MimeBundle } from './nbformat';

/** The tslab version this adapter was written against (package.json pins it). */
export const TSLAB_VERSION = '1.0.22';

/** What tslab's kernel reports as its language (nbclient copies it into the notebook metadata). */
export const TSLAB_LANGUAGE_INFO = {
  name: 'typescript',
  version: '3.7.2',
  mimetype: 'text/typescript',
  file_extension: '.ts',
  codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
} as const;

/** A display message: like Jupyter's display_data content. */
export interface DisplayMessage {
  data: MimeBundle;
  metadata?: Record<string, unknown>;
  transient?: { display_id?: string };
}

/** A cell's error, as Jupyter's error output holds it. */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Where a running cell's output goes. */
export interface CellSink {
  stream(name: 'stdout' | 'stderr', text: string): void;
  /** A display (update = replace the outputs carrying the same display id). */
  display(msg: DisplayMessage, update: boolean): void;
}

/** The result of running one cell. */
export interface CellResult {
  ok: boolean;
  error?: CellError;
}

/** A tslab execution context: one per notebook run, like one kernel process. */
export interface TslabSession {
  /** The folder cells run in (the notebook's folder). */
  readonly cwd: string;
  /** Compiles and runs one cell's TypeScript, sending its outputs to `sink`. */
  execute(code: string, sink: CellSink): Promise<CellResult>;
  /** Stops the running cell's asynchronous wait (what the kernel does on SIGINT). */
  interrupt(): void;
  /** Releases the compiler and restores the previous working directory. */
  close(): void;
}

type WriteDisplay = (data: DisplayMessage, update: boolean) => void;
interface JupyterModule {
  lastWriteDisplayData: WriteDisplay | null;
}

/* eslint-disable @typescript-eslint/no-require-imports */
function jupyterModule(): JupyterModule {
  return require('tslab/dist/jupyter') as JupyterModule;
}

/** The installed tslab version (from its package.json). */
export function installedTslabVersion(): string {
  return (require('tslab/package.json') as { version: string }).version;
}

let versionChecked = false;
function checkVersion(): void {
  if (versionChecked) return;
  versionChecked = true;
  const v = installedTslabVersion();
  if (v !== TSLAB_VERSION) {
    process.stderr.write(`facegan: warning: tslab ${v} is installed; lib/notebook/runner/tslab.ts was written for ${TSLAB_VERSION}\n`);
  }
}

const DIAGNOSTIC_FORMAT = '%s%d:%d - %s';
const INTERNAL_FRAME = /^\s+at .*(\(node:vm:|sigintHandlersWrap|[\\/]tslab[\\/]dist[\\/]executor\.js)/;

function errorOf(value: unknown): CellError {
  if (value instanceof Error || (value && typeof value === 'object' && 'message' in value && 'stack' in value)) {
    const e = value as Error;
    const stack = typeof e.stack === 'string' ? e.stack.split('\n') : [`${e.name}: ${e.message}`];
    // frames below the cell (node:vm, tslab's executor, the runner) say nothing about the notebook
    const cut = stack.findIndex((l) => INTERNAL_FRAME.test(l));
    return { ename: e.name || 'Error', evalue: e.message ?? '', traceback: cut > 0 ? stack.slice(0, cut) : stack };
  }
  const text = typeof value === 'string' ? value : format('%o', value);
  return { ename: 'Error', evalue: `uncaught ${text}`, traceback: [`Uncaught ${text}`] };
}

/**
 * Starts a tslab session in `cwd` (the notebook's folder): the working directory changes to it
 * (tslab resolves imports and compiles relative to it, as its kernel does) until `close()`.
 */
export function createTslabSession(cwd: string): TslabSession {
  checkVersion();
  const dir = path.resolve(cwd);
  if (!fs.existsSync(dir)) throw new Error(`notebook folder ${dir} does not exist`);
  const previousCwd = process.cwd();
  process.chdir(dir);
  const { createConverter } = require('tslab/dist/converter') as typeof import('tslab/dist/converter');
  const { createExecutor } = require('tslab/dist/executor') as typeof import('tslab/dist/executor');
  let node: ReturnType<typeof createConverter>;
  try {
    node = createConverter({ isJS: false, isBrowser: false });
  } catch (e) {
    process.chdir(previousCwd);
    throw e;
  }
  const convs: ConverterSet = {
    node,
    get browser(): never {
      throw new Error('tslab browser mode (%browser cells) is not supported by the headless runner');
    },
    close: () => node.close(),
  };
  // The console tslab's executor reports to: last-expression values (log), compile diagnostics
  // and thrown values (error). Cell code's own console.* goes through process.stdout/stderr.
  let current: { sink: CellSink; diagnostics: string[]; thrown: unknown[] } | null = null;
  const executor: Executor = createExecutor(dir, convs, {
    log: (...args: unknown[]) => current?.sink.stream('stdout', format(...args) + '\n'),
    error: (...args: unknown[]) => {
      if (!current) return;
      if (args[0] === DIAGNOSTIC_FORMAT) current.diagnostics.push(format(...args));
      else current.thrown.push(args[0]);
    },
  });
  const jupyter = jupyterModule();
  return {
    cwd: dir,
    async execute(code: string, sink: CellSink): Promise<CellResult> {
      const state = { sink, diagnostics: [] as string[], thrown: [] as unknown[] };
      current = state;
      const out = process.stdout.write;
      const err = process.stderr.write;
      const toSink = (name: 'stdout' | 'stderr') =>
        ((chunk: string | Uint8Array, enc?: unknown, cb?: unknown) => {
          sink.stream(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
          const done = typeof enc === 'function' ? enc : cb;
          if (typeof done === 'function') process.nextTick(done as () => void);
          return true;
        }) as typeof process.stdout.write;
      process.stdout.write = toSink('stdout');
      process.stderr.write = toSink('stderr');
      const previousDisplay = jupyter.lastWriteDisplayData;
      jupyter.lastWriteDisplayData = (msg, update) => sink.display(msg, update);
      try {
        const ok = await executor.execute(code);
        if (ok) return { ok };
        if (state.thrown.length) return { ok, error: errorOf(state.thrown[0]) };
        if (state.diagnostics.length) {
          return { ok, error: { ename: 'TSError', evalue: state.diagnostics.join('\n'), traceback: ['TypeScript compile error:', ...state.diagnostics] } };
        }
        return { ok, error: { ename: 'Error', evalue: 'the cell failed', traceback: [] } };
      } finally {
        process.stdout.write = out;
        process.stderr.write = err;
        jupyter.lastWriteDisplayData = previousDisplay;
        current = null;
      }
    },
    interrupt: () => executor.interrupt(),
    close(): void {
      try {
        executor.close();
      } finally {
        process.chdir(previousCwd);
      }
    },
  };
}

let displayCounter = 0;

/** A fresh id for an updatable display (like tslab's `newDisplay()`). */
export function newDisplayId(): string {
  displayCounter += 1;
  return `facegan-${process.pid}-${Date.now().toString(36)}-${displayCounter}`;
}

/**
 * Shows a MIME bundle (e.g. {'image/png': base64, 'text/plain': 'alt text'}) in the running
 * cell. With `displayId`, later calls with `update: true` replace it in place (a live plot).
 * Outside a notebook it prints a one-line note on stderr instead.
 */
export function displayBundle(
  data: MimeBundle,
  metadata: Record<string, unknown> = {},
  opts: { displayId?: string; update?: boolean } = {},
): void {
  const write = jupyterModule().lastWriteDisplayData;
  if (!write) {
    const kinds = Object.entries(data)
      .filter(([k]) => k !== 'text/plain')
      .map(([k, v]) => `${k}${typeof v === 'string' ? ` ${(v.length / 1024).toFixed(1)} kB` : ''}`);
    const text = typeof data['text/plain'] === 'string' ? ` ${data['text/plain']}` : '';
    process.stderr.write(`[display${opts.update ? ' update' : ''}: ${kinds.join(', ') || 'text'}]${text}\n`);
    return;
  }
  write({ data, metadata, transient: opts.displayId ? { display_id: opts.displayId } : {} }, opts.update ?? false);
}

/**
 * Runs `fn` with displays sent to `handler` (as the kernel would send them to Jupyter), then
 * restores the previous route: for hosts other than a notebook, and for tests.
 */
export async function withDisplayHandler<T>(handler: (msg: DisplayMessage, update: boolean) => void, fn: () => Promise<T>): Promise<T> {
  const jupyter = jupyterModule();
  const previous = jupyter.lastWriteDisplayData;
  jupyter.lastWriteDisplayData = handler;
  try {
    return await fn();
  } finally {
    jupyter.lastWriteDisplayData = previous;
  }
}
