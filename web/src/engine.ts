/**
 * The editor's engine in the browser: picks the tfjs backend (WebGL, else WebAssembly), loads the
 * face detector and the translator from this page's own build (models/, wasm/: nothing from a CDN),
 * decodes and encodes photos with the browser's codecs, and runs lib/photo's pipeline, the same
 * code as `npm run edit`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The build resolves this to @vladmandic/human's dist/human.esm-nobundle.js on this page's tfjs.
import { Human } from 'human-nobundle';
import { RgbImage, DetectedFace, FaceDetector } from '../../lib/photo/types';
import { toRgb, hasTransparency } from '../../lib/photo/pixels';
import { readExifOrientation } from '../../lib/photo/exif';
import { humanConfig, humanDetector, HumanLike } from '../../lib/photo/human-detector';
import { translatorEditor, ExpressionEditor, smoothFor } from '../../lib/photo/editor';
import { editPhoto, EditPhotoResult } from '../../lib/photo/edit-photo';
import '../../lib/models/translator'; // registers the translator's custom layers

export type BackendChoice = 'webgl' | 'wasm';

export interface Engine {
  backend: string;
  detector: FaceDetector;
  editor: ExpressionEditor;
  labels: readonly string[];
  translatorName: string;
}

/** The WebGL renderer's name when the browser tells it ("SwiftShader", "ANGLE (NVIDIA ...)"), else ''. */
function webglRenderer(): string {
  try {
    const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
    if (!gl) return '';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  } catch {
    return '';
  }
}

/**
 * WebGL, else WebAssembly (or the one asked for with ?backend=); throws a message for the page when
 * neither runs. A software WebGL (SwiftShader, llvmpipe: a machine without a usable GPU) is skipped
 * when choosing automatically: measured here it is 10-20x slower than WebAssembly.
 */
export async function chooseBackend(prefer?: BackendChoice): Promise<{ backend: string; note: string }> {
  setWasmPaths(new URL('wasm/', document.baseURI).href);
  const order: BackendChoice[] = prefer === 'wasm' ? ['wasm'] : prefer === 'webgl' ? ['webgl'] : ['webgl', 'wasm'];
  const errors: string[] = [];
  for (const b of order) {
    if (b === 'webgl' && !prefer) {
      const renderer = webglRenderer();
      if (/swiftshader|llvmpipe|software/i.test(renderer)) {
        errors.push(`WebGL is a software renderer here (${renderer}), slower than WebAssembly`);
        continue;
      }
    }
    try {
      if (await tf.setBackend(b)) {
        await tf.ready();
        // A real op, so a context that exists but cannot compute is caught here.
        const v = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
        if (v[0] === 4 && v[1] === 6) return { backend: b, note: errors.join('; ') };
        errors.push(`${b}: wrong result`);
      } else errors.push(`${b}: not available`);
    } catch (e) {
      errors.push(`${b}: ${(e as Error).message}`);
    }
  }
  throw new Error(`This browser can run neither WebGL nor WebAssembly (${errors.join('; ')}), which the editor needs. Try a current Chrome, Firefox, Safari or Edge.`);
}

/** Loads the detector and the translator, reporting progress 0..1. */
export async function loadEngine(backend: string, progress: (fraction: number, what: string) => void): Promise<Engine> {
  progress(0, 'face detector');
  const human = new Human({ ...humanConfig(new URL('models/human/', document.baseURI).href, backend), wasmPath: new URL('wasm/', document.baseURI).href }) as unknown as HumanLike;
  await human.load();
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
  progress(0.3, 'expression translator');
  const info = await (await fetch('models/fer-translate/translator.json')).json() as { spec: { labels: string[]; size: number; channels: number; upsample?: 'transpose' | 'resize' } };
  const G = await tf.loadLayersModel('models/fer-translate/model.json', { onProgress: (f) => progress(0.3 + 0.7 * f, 'expression translator') });
  progress(1, 'ready');
  return { backend, detector: humanDetector(human, { backend }), editor: translatorEditor(G, info.spec.labels, info.spec.size, smoothFor(info.spec)), labels: info.spec.labels, translatorName: 'fer-translate' };
}

export interface DecodedPhoto {
  image: RgbImage;
  format: 'jpeg' | 'png';
  name: string;
  orientation: number;
  alphaOverWhite: boolean;
}

/** Thrown for files the page cannot read; its message is shown as it is. */
export class PhotoError extends Error {}

/** A JPEG or PNG file to upright RGB pixels (EXIF orientation applied, transparency over white). */
export async function decodePhoto(file: Blob & { name?: string }): Promise<DecodedPhoto> {
  const name = file.name ?? 'photo';
  const head = new Uint8Array(await file.slice(0, 512 * 1024).arrayBuffer());
  const isJpeg = head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  const isPng = head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47;
  if (!isJpeg && !isPng) throw new PhotoError(`"${name}" is not a JPEG or PNG image.`);
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(file, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw new PhotoError(`"${name}" could not be read: the file is damaged or not a complete ${isJpeg ? 'JPEG' : 'PNG'}.`);
  }
  const canvas = document.createElement('canvas');
  canvas.width = bmp.width;
  canvas.height = bmp.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bmp, 0, 0);
  bmp.close();
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  return {
    image: toRgb(rgba, canvas.width, canvas.height, 4),
    format: isJpeg ? 'jpeg' : 'png',
    name,
    orientation: readExifOrientation(head),
    alphaOverWhite: hasTransparency(rgba, canvas.width, canvas.height, 4),
  };
}

/** RGB pixels to ImageData (opaque). */
export function toImageData(img: RgbImage): ImageData {
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    out[i * 4] = img.data[i * 3];
    out[i * 4 + 1] = img.data[i * 3 + 1];
    out[i * 4 + 2] = img.data[i * 3 + 2];
    out[i * 4 + 3] = 255;
  }
  return new ImageData(out, img.width, img.height);
}

/** The photo as a file of its own format (JPEG quality 0.92, as the CLI's default). */
export async function encodePhoto(img: RgbImage, format: 'jpeg' | 'png'): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(toImageData(img), 0, 0);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not encode the image'))), format === 'jpeg' ? 'image/jpeg' : 'image/png', 0.92));
}

export async function edit(engine: Engine, image: RgbImage, faces: DetectedFace[], target: number, strength: number): Promise<EditPhotoResult> {
  return editPhoto(image, { detector: engine.detector, editor: engine.editor, targets: [target], strength, faces });
}
