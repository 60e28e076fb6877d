/**
 * The study blamed its blurry, distorted samples on two causes it never tested. These runs test
 * them (`npm run experiment -- study-questions --preset quick`, lib/orchestrate/study-questions.ts):
 *
 * (a) colour mode: the same CelebA images (same subset, same order, same seed) in colour and in
 *     grayscale (BT.601 luma), equal settings otherwise;
 * (b) training-set size at equal colour mode and equal training iterations:
 *     CelebA 1,000 vs 6,000 images (the 1,000 are a subset of the 6,000), and FER2013 one emotion
 *     (surprise, 3,171 faces) vs one model on all 28,709 training faces.
 *
 * Equal iterations (not equal epochs) isolate the number of distinct images: in the study a small
 * class also got fewer updates (50 epochs of fewer images), which confounds the two. Every run of
 * a preset gets the same iteration budget `steps`; runs whose epochs would last longer stop at it
 * (status "stopped", resumable).
 *
 * Presets: `paper` is the study's scale (25 CelebA epochs of 6,000 at batch 128 = 1,175 iterations);
 * `quick` fits ~30-40 minutes on 2 CPU cores (128 iterations of 32 images per run: about a tenth of
 * one paper run, so early-training behaviour only); `smoke` is for tests (bundled sample data).
 */
import { STUDY_TRAINING } from '../lib/runs/experiment';
import type { ExperimentSpec, TrainSettings, StudyDesign, StudyPreset, StudyRun, StudyScale } from '../lib/runs/spec-types';
import { celeba, celebaGray, ferEmotion, ferPooled } from './index';

export const STUDY_SCALES: Record<StudyPreset, StudyScale> = {
  paper: { steps: 1175, batchSize: 128, evalN: 2000, scale: 'the study\'s scale (1,175 iterations of 128 images per run, as 25 CelebA epochs of 6,000)' },
  quick: {
    steps: 128, batchSize: 32, evalN: 1000,
    scale: '128 iterations of 32 images per run (4,096 images seen; ~3% of the paper preset\'s images), evaluated on 1,000 samples: early training only',
  },
  smoke: { steps: 2, batchSize: 8, evalN: 16, scale: 'a 2-iteration smoke test on the bundled sample: numbers are meaningless' },
};

/** The study runs' specs: the study's models, renamed, one preset per scale built by studySettings. */
function studySpec(base: ExperimentSpec, name: string, description: string): ExperimentSpec {
  return { ...base, name, description, presets: {}, sequence: undefined };
}

export const STUDY_EMOTION = 'surprise' as const;

export const STUDY_RUNS: StudyRun[] = [
  {
    key: 'celeba-colour-6k', questions: ['a', 'b-celeba'], data: 'celeba',
    spec: studySpec(celeba, 'sq-celeba-colour-6k', 'Study question (a)/(b): CelebA 64x64 colour, 6,000 images'),
    limit: { paper: 6000, quick: 6000, smoke: 48 },
  },
  {
    key: 'celeba-gray-6k', questions: ['a'], data: 'celeba',
    spec: studySpec(celebaGray, 'sq-celeba-gray-6k', 'Study question (a): the same CelebA images in grayscale, 6,000 images'),
    limit: { paper: 6000, quick: 6000, smoke: 48 },
  },
  {
    key: 'celeba-colour-1k', questions: ['b-celeba'], data: 'celeba',
    spec: studySpec(celeba, 'sq-celeba-colour-1k', 'Study question (b): CelebA 64x64 colour, 1,000 of the 6,000 images'),
    limit: { paper: 1000, quick: 1000, smoke: 8 },
  },
  {
    key: `fer-${STUDY_EMOTION}`, questions: ['b-fer'], data: 'fer2013',
    spec: studySpec(ferEmotion(STUDY_EMOTION), `sq-fer-${STUDY_EMOTION}`, `Study question (b): FER2013 "${STUDY_EMOTION}" faces only (one class)`),
    limit: { paper: null, quick: null, smoke: null },
  },
  {
    key: 'fer-pooled', questions: ['b-fer'], data: 'fer2013',
    spec: studySpec(ferPooled, 'sq-fer-pooled', 'Study question (b): one model on all FER2013 training faces (every emotion)'),
    limit: { paper: null, quick: null, smoke: 48 },
  },
];

/**
 * The training settings of a study run at a preset, for a training set of `images` images:
 * enough epochs to reach the preset's iteration budget (the run stops at `steps`), the study's
 * optimiser otherwise.
 */
export function studySettings(preset: StudyPreset, images: number): TrainSettings {
  const sc = STUDY_SCALES[preset];
  const perEpoch = Math.ceil(images / sc.batchSize);
  return {
    ...STUDY_TRAINING,
    batchSize: sc.batchSize,
    epochs: Math.max(1, Math.ceil(sc.steps / perEpoch)),
    limit: null,
    checkpointEvery: preset === 'paper' ? 200 : 0,
    logEvery: preset === 'smoke' ? 1 : 10,
  };
}

/** The design runStudyQuestions (lib/orchestrate/study-questions.ts) runs. */
export const STUDY_DESIGN: StudyDesign = { runs: STUDY_RUNS, scales: STUDY_SCALES, settings: studySettings, emotion: STUDY_EMOTION };
