/**
 * The photo pipeline's data types: plain arrays, no tensors and no Node API, so the same code runs
 * in Node (`npm run edit`) and in a browser (web/).
 */

/** An RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Point {
  x: number;
  y: number;
}

/** A face found in a photo: its box (photo pixels), the detector's score and its landmarks. */
export interface DetectedFace {
  /** [x, y, width, height] in photo pixels. */
  box: [number, number, number, number];
  /** 0..1, the detector's confidence. */
  score: number;
  /** The 468 face-mesh points (MediaPipe topology), photo pixels. */
  landmarks: Point[];
}

/** Anything that finds faces with face-mesh landmarks in an RGB image. */
export interface FaceDetector {
  /** e.g. "human 3.3.6 blazeface+facemesh (tfjs cpu)". */
  readonly name: string;
  detect(image: RgbImage): Promise<DetectedFace[]>;
}

/** Thrown when a photo holds no face the pipeline can edit. */
export class NoFaceError extends Error {}
