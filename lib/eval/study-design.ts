/**
 * The shape of the study questions' design (the runs, their scales and settings); the design
 * itself, every number of it, is experiments/study-questions.ts, passed to runStudyQuestions.
 */
export type { StudyDesign, StudyPreset, StudyRun, StudyScale } from '../runs/spec-types';
