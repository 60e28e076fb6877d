/**
 * npm run photo:template -- --data FER2013_DIR [--per-class N] [--out lib/photo/template.json]
 *
 * Measures the translator's canonical framing: runs the photo pipeline's face detector on FER2013
 * training faces (each 48x48 crop upscaled 4x and padded with mid-grey, so the detector sees a whole
 * face), maps the landmarks back into the 48x48 crop, and takes their mean as the template. Then it
 * checks the framing: every detected face is re-aligned to the template (and to the template scaled
 * or shifted) and the aligned crop is compared with the original crop inside the face ellipse
 * (PSNR); the framing that reproduces the training crops best is the one the translator was trained
 * on. Writes template.json (points, mask ellipse, the measurement).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { parseArgs, intOption, stringOption, runMain } from '../tools/cli/args';
import { initBackend, describeBackend } from '../lib/backend';
import { loadFaceDetector } from '../lib/edit/human-node';
import { decodeImage } from '../lib/data/decode';
import { EMOTIONS } from '../lib/data/types';
import { ALIGN_INDICES, FACE_OVAL } from '../lib/photo/landmarks';
import { Point } from '../lib/photo/types';
import { fitSimilarity, fitError } from '../lib/photo/transform';
import { sampleCrop } from '../lib/photo/align';
import { FaceTemplate, maskAt } from '../lib/photo/template';
import { writeJsonAtomic } from '../lib/io/files';

const UP = 4;
const PAD = 64;
const SIZE = 48;

runMain(async () => {
  const args = parseArgs(process.argv.slice(2), { options: ['data', 'per-class', 'out'] }, 'photo:template');
  const data = stringOption(args, 'data');
  if (!data) throw new Error('photo:template: --data FER2013_DIR is required (the folder with train/<emotion>/)');
  const perClass = intOption(args, 'per-class', 'photo:template', 1) ?? 150;
  const out = path.resolve(stringOption(args, 'out') ?? path.join(__dirname, '..', 'lib', 'photo', 'template.json'));
  const backend = await initBackend({});
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const detector = await loadFaceDetector({ minScore: 0.3 });
  const faces: { pixels: Float32Array; landmarks: Point[] }[] = [];
  let tried = 0;
  const t0 = Date.now();
  for (const emotion of EMOTIONS) {
    const dir = path.join(data, 'train', emotion);
    if (!fs.existsSync(dir)) throw new Error(`photo:template: ${dir} is missing (expected the FER2013 image-folder layout)`);
    const files = fs.readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, perClass);
    for (const f of files) {
      tried++;
      const img = decodeImage(fs.readFileSync(path.join(dir, f)));
      if (img.channels !== 1 || img.width !== SIZE || img.height !== SIZE) throw new Error(`${path.join(dir, f)}: expected a ${SIZE}x${SIZE} grayscale FER2013 face`);
      const S = SIZE * UP + 2 * PAD;
      const big = tf.tidy(() =>
        tf.image.resizeBilinear(tf.tensor3d(img.data, [SIZE, SIZE, 1]).toFloat(), [SIZE * UP, SIZE * UP], false, true)
          .pad([[PAD, PAD], [PAD, PAD], [0, 0]], 128).tile([1, 1, 3]).round().clipByValue(0, 255).toInt(),
      );
      const rgb = new Uint8Array(await big.data());
      big.dispose();
      const found = await detector.detect({ width: S, height: S, data: rgb });
      if (found.length === 0) continue;
      faces.push({
        pixels: Float32Array.from(img.data),
        landmarks: found[0].landmarks.map((p) => ({ x: (p.x - PAD) / UP, y: (p.y - PAD) / UP })),
      });
    }
    process.stderr.write(`${emotion}: ${faces.length}/${tried} faces detected so far (${Math.round((Date.now() - t0) / 1000)} s)\n`);
  }
  if (faces.length < 20) throw new Error(`photo:template: only ${faces.length} of ${tried} faces detected; cannot measure a template`);
  const mean = (i: number): Point => ({
    x: faces.reduce((s, f) => s + f.landmarks[i].x, 0) / faces.length,
    y: faces.reduce((s, f) => s + f.landmarks[i].y, 0) / faces.length,
  });
  const points: Record<string, Point> = {};
  for (const i of ALIGN_INDICES) points[String(i)] = round(mean(i));
  const oval = FACE_OVAL.map(mean);
  const xs = oval.map((p) => p.x), ys = oval.map((p) => p.y);
  // The ellipse inscribed in the mean face oval, a little inside it so the rim stays on skin.
  const mask = {
    cx: r2((Math.min(...xs) + Math.max(...xs)) / 2), cy: r2((Math.min(...ys) + Math.max(...ys)) / 2),
    rx: r2(((Math.max(...xs) - Math.min(...xs)) / 2) * 0.95), ry: r2(((Math.max(...ys) - Math.min(...ys)) / 2) * 0.95), feather: 0.3,
  };
  const template: FaceTemplate = { size: SIZE, points, mask };

  // How well each framing reproduces the training crops.
  const variants: { name: string; scale: number; dx: number; dy: number }[] = [
    { name: 'mean (chosen)', scale: 1, dx: 0, dy: 0 },
    { name: 'zoomed out 10%', scale: 0.9, dx: 0, dy: 0 },
    { name: 'zoomed out 5%', scale: 0.95, dx: 0, dy: 0 },
    { name: 'zoomed in 5%', scale: 1.05, dx: 0, dy: 0 },
    { name: 'zoomed in 10%', scale: 1.1, dx: 0, dy: 0 },
    { name: 'shifted up 2 px', scale: 1, dx: 0, dy: -2 },
    { name: 'shifted down 2 px', scale: 1, dx: 0, dy: 2 },
  ];
  const centre = ALIGN_INDICES.map((i) => points[String(i)]).reduce((s, p) => ({ x: s.x + p.x / ALIGN_INDICES.length, y: s.y + p.y / ALIGN_INDICES.length }), { x: 0, y: 0 });
  const framing = variants.map((v) => {
    const dst = ALIGN_INDICES.map((i) => {
      const p = points[String(i)];
      return { x: centre.x + (p.x - centre.x) * v.scale + v.dx, y: centre.y + (p.y - centre.y) * v.scale + v.dy };
    });
    let psnrSum = 0, rmsSum = 0;
    for (const f of faces) {
      const src = ALIGN_INDICES.map((i) => f.landmarks[i]);
      const T = fitSimilarity(src, dst);
      rmsSum += fitError(T, src, dst);
      const crop = sampleCrop({ width: SIZE, height: SIZE, data: f.pixels }, T, SIZE);
      let se = 0, w = 0;
      for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
        const m = maskAt(template, x + 0.5, y + 0.5);
        se += m * (crop[y * SIZE + x] - f.pixels[y * SIZE + x]) ** 2;
        w += m;
      }
      psnrSum += 10 * Math.log10((255 * 255) / Math.max(1e-9, se / w));
    }
    return { framing: v.name, psnr_db: r2(psnrSum / faces.length), landmark_rms_px: r2(rmsSum / faces.length) };
  });
  // How loosely FER2013 itself is framed: each face's own landmarks vs the template, unaligned.
  let spread = 0;
  for (const f of faces) spread += Math.sqrt(ALIGN_INDICES.reduce((s, i) => s + (f.landmarks[i].x - points[String(i)].x) ** 2 + (f.landmarks[i].y - points[String(i)].y) ** 2, 0) / ALIGN_INDICES.length);
  const measured = {
    fer_framing_spread_px: r2(spread / faces.length),
    note: 'psnr_db compares each re-aligned crop with its own original crop inside the face ellipse; FER2013 crops are framed loosely (fer_framing_spread_px: RMS landmark distance from the template before alignment), so re-aligning any single face moves it by about that much; the best framing is the one that moves them least',
    detector: detector.name,
    data: `FER2013 train, first ${perClass} files per emotion (sorted names)`,
    faces_tried: tried,
    faces_detected: faces.length,
    detected_rate: r2(faces.length / tried),
    input: `48x48 crop upscaled ${UP}x (bilinear), padded ${PAD} px with grey 128`,
    framing,
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  writeJsonAtomic(out, { ...template, measured });
  process.stderr.write(`${faces.length}/${tried} detected; framing vs training crops (PSNR inside the face ellipse):\n`);
  for (const f of framing) process.stderr.write(`  ${f.framing.padEnd(18)} ${f.psnr_db.toFixed(2)} dB, landmark fit ${f.landmark_rms_px.toFixed(2)} px\n`);
  console.log(out);
});

function r2(v: number): number {
  return Math.round(v * 100) / 100;
}
function round(p: Point): Point {
  return { x: r2(p.x), y: r2(p.y) };
}
