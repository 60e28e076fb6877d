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

export interface TranslateTestFacesOptions {
  /** A fer-translate run folder or an installed model folder; null: the shipped models/fer-translate/. */
  translator?: string | null;
  dataDir?: string | null;
  perEmotion?: number;
  seed?: number;
  outDir?: string | null;
}

/** How far a translator's training got (lib/notebook/views/translator-views.ts TranslatorTraining). */
export interface TranslatorTraining {
  status: string | null;
  steps: number | null;
  planned: number | null;
  checkpoint: string | null;
  /** Status completed and steps >= planned; false: an interrupted snapshot. */
  complete: boolean;
  note: string;
}

/** What translateTestFaces returns (null when no translator is found). */
export interface TranslatorEditResult {
  judgeNote: string | null;
  size: number;
  channels: 1 | 3;
  translator: string;
  name: string;
  training: TranslatorTraining;
  files: { png: string; json: string };
}

/** What showTranslatorMetrics found (null when no translator is found). */
export interface TranslatorMetricsView {
  dir: string;
  kind: 'run' | 'model';
  training: TranslatorTraining;
  /** The recorded evaluation (lib/eval/edit-metrics.ts EditMetrics), null when not evaluated yet. */
  evaluation: { n: number; classes: readonly string[]; hit: number[]; real: number[]; ratio: number[]; ratio_macro: number; rec_psnr: number; change_inside: number; change_outside: number } | null;
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

  // expression editing with the translator (fer-translate runs or installed models)
  translateTestFaces: (o?: TranslateTestFacesOptions) => Promise<TranslatorEditResult | null>;
  showTranslatorMetrics: (translator?: string | null) => TranslatorMetricsView | null;
  findTranslator: (translator?: string | null) => { dir: string; kind: 'run' | 'model' } | { dir: string; missing: string };

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
