/**
 * Faces and landmarks from @vladmandic/human (MIT; BlazeFace detector + MediaPipe face mesh, 468
 * points; the weights ship in its npm package and are loaded from there, never fetched). Only its
 * face detector and mesh are switched on: its emotion, description and other models stay off, so
 * no outside expression model enters anything here.
 *
 * Runtime-neutral: the caller constructs the Human instance from the build that fits its runtime
 * (Node: lib/edit/human-node.ts; browser: web/) and passes it in.
 */
import * as tf from '@tensorflow/tfjs';
import { DetectedFace, FaceDetector, RgbImage } from './types';
import { shrinkInteger } from './pixels';

/** The parts of a Human instance this adapter uses. */
export interface HumanLike {
  version: string;
  load(): Promise<void>;
  detect(input: tf.Tensor): Promise<{ face: { box: [number, number, number, number]; score: number; mesh: [number, number, number?][] }[]; error?: string | null }>;
}

/** Human's configuration: face detector + mesh only, on the current tfjs backend. */
export function humanConfig(modelBasePath: string, backend: string, maxFaces = 20): Record<string, unknown> {
  return {
    backend,
    modelBasePath,
    debug: false,
    async: true,
    warmup: 'none',
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { enabled: true, rotation: true, maxDetected: maxFaces, minConfidence: 0.3, iouThreshold: 0.1, return: false, skipFrames: 0, skipTime: 0 },
      mesh: { enabled: true },
      attention: { enabled: false },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  };
}

export interface HumanDetectorOptions {
  /** Photos are shrunk by an integer factor to at most this longer side for detection (landmarks are scaled back). Default 1280. */
  maxSide?: number;
  /** Faces scored below this are dropped. Default 0.5. */
  minScore?: number;
  /** For the name: the tfjs backend. */
  backend?: string;
}

/** A FaceDetector over a loaded Human instance. */
export function humanDetector(human: HumanLike, o: HumanDetectorOptions = {}): FaceDetector {
  const maxSide = o.maxSide ?? 1280;
  const minScore = o.minScore ?? 0.5;
  return {
    name: `@vladmandic/human ${human.version} blazeface + facemesh (tfjs ${o.backend ?? tf.getBackend()})`,
    async detect(image: RgbImage): Promise<DetectedFace[]> {
      const { image: small, scale } = shrinkInteger(image, maxSide);
      const input = tf.tidy(() => tf.tensor3d(small.data, [small.height, small.width, 3], 'int32').toFloat().expandDims(0));
      let result;
      try {
        result = await human.detect(input);
      } finally {
        input.dispose();
      }
      if (result.error) throw new Error(`face detector: ${result.error}`);
      const k = 1 / scale;
      return result.face
        .filter((f) => f.score >= minScore && f.mesh.length >= 468)
        .map((f) => ({
          box: [f.box[0] * k, f.box[1] * k, f.box[2] * k, f.box[3] * k] as [number, number, number, number],
          score: f.score,
          landmarks: f.mesh.map((p) => ({ x: p[0] * k, y: p[1] * k })),
        }))
        .sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
    },
  };
}
