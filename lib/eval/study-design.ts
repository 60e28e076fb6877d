/**
 * The shape of the study questions' design (the runs, their scales and settings); the design
 * itself, every number of it, is experiments/study-questions.ts, passed to runStudyQuestions.
 */
import type { ExperimentSpec, PresetName, TrainSettings } from '../runs/experiment';

export type StudyPreset = Extract<PresetName, 'paper' | 'quick' | 'smoke'>;

/** One run of the study questions. */
export interface StudyRun {
  /** Folder name inside the study directory, and the row label. */
  key: string;
  /** Which question it answers; one run may serve several. */
  questions: ('a' | 'b-celeba' | 'b-fer')[];
  spec: ExperimentSpec;
  /** 'celeba' or 'fer2013': which --data folder it reads. */
  data: 'celeba' | 'fer2013';
  /** Distinct training images per preset (null = all the selection has). */
  limit: Record<StudyPreset, number | null>;
}

/** Iteration budget, batch, evaluation size per preset. */
export interface StudyScale {
  steps: number;
  batchSize: number;
  /** Samples / real images per set for the metrics. */
  evalN: number;
  /** Words for the caveat in the table. */
  scale: string;
}

/** Everything runStudyQuestions needs to know about the study. */
export interface StudyDesign {
  runs: StudyRun[];
  scales: Record<StudyPreset, StudyScale>;
  /** The training settings of a run at a preset, for a training set of `images` images. */
  settings(preset: StudyPreset, images: number): TrainSettings;
  /** The emotion of question (b)'s one-emotion FER2013 run (its key is `fer-<emotion>`). */
  emotion: string;
}
