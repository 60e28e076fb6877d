/**
 * Which face-mesh points (MediaPipe's 468-point topology, as @vladmandic/human returns them) the
 * alignment uses: eye corners, the bridge and tip of the nose and the mouth corners. They are the
 * points that expressions move least (brows, lips and jaw move most), so the fitted similarity
 * follows the head, not the expression. The face oval gives the mask.
 */
export const ALIGN_POINTS = {
  rightEyeOuter: 33,
  rightEyeInner: 133,
  leftEyeInner: 362,
  leftEyeOuter: 263,
  noseBridge: 168,
  noseTip: 1,
  mouthRight: 61,
  mouthLeft: 291,
} as const;

export const ALIGN_INDICES: readonly number[] = Object.values(ALIGN_POINTS);

/** The face silhouette, clockwise from the top of the forehead. */
export const FACE_OVAL: readonly number[] = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
  152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];
