/**
 * The typed notebook API: what `import fg from 'facegan';` gives a notebook cell (implemented by
 * notebooks/api/api.ts, loaded through notebooks/api/facegan.js). Self-contained on purpose: tslab
 * compiles cells with its own TypeScript and only accepts declaration files from outside the
 * notebook's folder, so this file imports nothing. notebooks/api/api-check.ts makes `npm run
 * typecheck` fail when api.ts and this declaration drift apart.
 */

/** A run's summary.json (lib/train/trainer.ts TrainSummary). */
export interface RunSummary {
  status: 'running' | 'completed' | 'stopped' | 'interrupted' | 'diverged' | 'failed';
  steps: number;
  epochsCompleted: number;
  imagesSeen: number;
  trainSeconds: number;
  imagesPerSecond: number;
  final: { loss_d: number; loss_g: number; d_x: number; d_g_z1: number; d_g_z2: number } | null;
  message?: string;
  /** The signal that interrupted the run (status interrupted). */
  signal?: 'SIGINT' | 'SIGTERM' | 'SIGHUP';
  /** Problems found on resume that did not stop it (e.g. rows missing from losses.csv). */
  warnings?: string[];
  lastCheckpoint: string | null;
}

/** What `train`, `openRun` and `openCampaign` return: the folder and its runs. */
export interface NotebookRuns {
  /** The run directory (a sequence, two arms, a campaign: the folder holding the runs). */
  runDir: string;
  runs: { runDir: string; summary: RunSummary }[];
}

export interface NotebookTrainParams {
  /** An experiment of experiments/: celeba, celeba-gray, fer-<emotion>, fer-all, fer-pooled, fer-conditional. */
  experiment: string;
  /** paper | quick | sample | smoke. */
  preset: string;
  dataDir?: string | null;
  epochs?: number | null;
  limit?: number | null;
  batchSize?: number | null;
  seed?: number | null;
  backend?: string | null;
  outDir?: string | null;
  liveEveryMs?: number;
  record?: boolean;
}

/** The backend that was chosen (lib/backend.ts BackendInfo). */
export interface BackendChoice {
  name: 'node-gpu' | 'node' | 'wasm' | 'cpu';
  tfBackend: string;
  reason: string;
  threads: number;
}

export interface ImageOptions {
  alt?: string;
  width?: number;
}

/** One row of a result table (lib/runs/table.ts). */
export type RunRow = Record<string, string | number | null>;

/** The outcome of editing test faces (lib/edit/edit-faces.ts EditResult), for showEditTable. */
export interface EditResult {
  judgeNote: string | null;
  size: number;
  channels: 1 | 3;
}

export interface EditTestFacesOptions {
  runDir: string;
  dataDir?: string | null;
  perEmotion?: number;
  steps?: number;
  tune?: number;
  seed?: number;
  outDir?: string | null;
}

export interface FaceganNotebook {
  // setup and output folders
  setup: (opts?: { backend?: string | null }) => Promise<BackendChoice>;
  outputDir: (kind: string, label: string, explicit?: string | null) => string;
  ferExperiment: (emotion: string) => string;
  readonly EMOTIONS: readonly string[];
  readonly RESULTS_DIR: string;
  readonly MAX_EPOCH_FRAMES: number;

  // training, or showing runs trained elsewhere
  train: (p: NotebookTrainParams) => Promise<NotebookRuns>;
  recordRuns: (experiment: string, preset: string, r: NotebookRuns) => void;
  openRun: (dir: string) => NotebookRuns;
  openCampaign: (root: string, experiments: readonly string[]) => NotebookRuns;
  runDirsIn: (r: NotebookRuns) => string[];
  notCompleted: (runDir: string) => string | null;

  // views of runs (a run folder, a folder of runs, or a list of run folders)
  showLoss: (dir: string | readonly string[]) => void;
  showEpochs: (dir: string | readonly string[], opts?: { maxEpochs?: number; samples?: number; delayMs?: number; stripScale?: number; runs?: number }) => void;
  showRealVsFake: (dir: string | readonly string[], count?: number, runs?: number) => Promise<void>;
  showFinalSamples: (dirOrDirs: string | readonly string[], labels?: string[]) => void;
  showSummary: (dirOrDirs: string | readonly string[]) => void;
  showLossComparison: (runDirs: readonly string[], labels?: string[], maxPoints?: number) => Promise<void>;
  showRunSections: (r: NotebookRuns | readonly string[], labels?: readonly string[]) => Promise<void>;
  runDirsOf: (dir: string | readonly string[]) => string[];

  // the data tour
  showFerCounts: (dataDir?: string | null, outDir?: string | null) => Promise<void>;
  showEmotionSamples: (dataDir?: string | null, opts?: { perEmotion?: number; seed?: number; outDir?: string | null }) => Promise<void>;
  showColourVsGray: (dataDir?: string | null, opts?: { count?: number; seed?: number; outDir?: string | null }) => Promise<void>;

  // comparing runs
  findRuns: (opts?: { resultsDir?: string | null; experiments?: string | null; presets?: string | null }) => string[];
  showComparison: (runDirs: string[], outDir?: string | null, opts?: { maxCurves?: number; maxSamples?: number }) => Promise<{ rows: RunRow[]; files: { md: string; csv: string; html: string } | null }>;

  // expression editing (conditional runs)
  showSameFace: (runDir: string, opts?: { rows?: number; seed?: number }) => Promise<void>;
  editTestFaces: (o: EditTestFacesOptions) => Promise<EditResult>;
  showEditTable(r: EditResult): void;
  showHitRates: (runDir: string, opts?: { nPerClass?: number; dataDir?: string | null }) => Promise<void>;

  // displays and scraps
  showPng: (png: Uint8Array, opts?: ImageOptions) => void;
  showGif: (gif: Uint8Array, opts?: ImageOptions) => void;
  showMarkdown: (md: string) => void;
  showTable: (rows: readonly Record<string, unknown>[], title?: string) => void;
  glue: (name: string, value: unknown) => void;
  readonly RUN_DIR_SCRAP: string;
}

declare const fg: FaceganNotebook;
export default fg;
