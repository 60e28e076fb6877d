/** Shared data types: every loader returns an ImageSet of uint8 pixels (NHWC). */

/** FER2013 emotions in the order of the `emotion` column of fer2013.csv (0..6). */
export const EMOTIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** A skipped input (bad file / row) that the loader counted and reported instead of failing. */
export interface SkipReport {
  source: string; // file path, or "fer2013.csv:row 17"
  reason: string;
}

/**
 * Decoded images held compactly as bytes, NHWC, row-major: pixel (i, y, x, c) is at
 * ((i * height + y) * width + x) * channels + c. Converted to [-1, 1] floats only per batch.
 */
export interface ImageSet {
  data: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** Emotion index per image (FER2013), or -1 when unknown. */
  labels?: Int32Array;
  /** Where each image came from (file path or csv row), for error messages and reports. */
  sources?: string[];
  /** Inputs skipped while loading, with the reason. */
  skipped: SkipReport[];
  /** Human-readable name of the dataset/selection, e.g. "fer2013 train/happy". */
  name: string;
}
