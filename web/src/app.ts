/** The editor page: pick or drop a photo, outline its faces, edit to an expression, compare, download. */
import { RgbImage, DetectedFace, NoFaceError } from '../../lib/photo/types';
import { chooseBackend, loadEngine, decodePhoto, encodePhoto, edit, toImageData, Engine, DecodedPhoto, PhotoError, BackendChoice } from './engine';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the page is doing, for people (the status line) and for tests (window.facegan). */
interface PageState {
  ready: boolean;
  backend: string | null;
  loadMs: number | null;
  faces: number | null;
  editing: boolean;
  lastEditMs: number | null;
  firstEditMs: number | null;
  error: string | null;
  edits: number;
  /** Each edited face's current expression as the translator judged it. */
  from: string[];
  /** The last photo's decode, face detection and first drawing times. */
  openMs: { decode: number; detect: number; draw: number } | null;
}
const state: PageState = { ready: false, backend: null, loadMs: null, faces: null, editing: false, lastEditMs: null, firstEditMs: null, error: null, edits: 0, from: [], openMs: null };
(window as unknown as { facegan: PageState }).facegan = state;

let engine: Engine | null = null;
let photo: DecodedPhoto | null = null;
let faces: DetectedFace[] = [];
let edited: RgbImage | null = null;
let target: number | null = null;
const t0 = performance.now();

function message(text: string | null): void {
  const m = $<HTMLParagraphElement>('message');
  m.hidden = !text;
  m.textContent = text ?? '';
  state.error = text;
}

function draw(img: RgbImage, outline: boolean): void {
  const c = $<HTMLCanvasElement>('canvas');
  c.width = img.width;
  c.height = img.height;
  const ctx = c.getContext('2d')!;
  ctx.putImageData(toImageData(img), 0, 0);
  if (!outline) return;
  ctx.lineWidth = Math.max(2, Math.round(img.width / 400));
  faces.forEach((f, i) => {
    ctx.strokeStyle = i === 0 ? '#2a7' : '#e80';
    ctx.strokeRect(f.box[0], f.box[1], f.box[2], f.box[3]);
  });
}

async function start(): Promise<void> {
  const prefer = new URLSearchParams(location.search).get('backend') as BackendChoice | null;
  try {
    const { backend, note } = await chooseBackend(prefer ?? undefined);
    state.backend = backend;
    $('backend').textContent = (backend === 'webgl' ? 'WebGL' : 'WebAssembly') + (note ? ` (${note})` : '');
    engine = await loadEngine(backend, (f, what) => {
      $<HTMLProgressElement>('progress').value = f;
      $('status').textContent = f < 1 ? `Loading the ${what}… ${Math.round(f * 100)}%` : '';
    });
  } catch (e) {
    $('status').textContent = '';
    message((e as Error).message);
    return;
  }
  state.loadMs = Math.round(performance.now() - t0);
  state.ready = true;
  $('status').textContent = `Ready (${engine.backend === 'webgl' ? 'WebGL' : 'WebAssembly'}, models loaded in ${(state.loadMs / 1000).toFixed(1)} s). Choose a photo.`;
  $<HTMLProgressElement>('progress').hidden = true;
  const group = $('targets');
  engine.labels.forEach((label, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.target = String(i);
    b.setAttribute('aria-pressed', 'false');
    b.addEventListener('click', () => { target = i; void render(); });
    group.appendChild(b);
  });
}

async function open(file: File): Promise<void> {
  if (!engine) return;
  message(null);
  edited = null;
  target = null;
  $<HTMLButtonElement>('download').disabled = true;
  document.querySelectorAll('#targets button').forEach((b) => b.setAttribute('aria-pressed', 'false'));
  const t1 = performance.now();
  try {
    photo = await decodePhoto(file);
  } catch (e) {
    $('editor').hidden = true;
    message(e instanceof PhotoError ? e.message : `"${file.name}" could not be read: ${(e as Error).message}`);
    return;
  }
  $('status').textContent = 'Looking for faces…';
  const t2 = performance.now();
  faces = await engine.detector.detect(photo.image);
  const t3 = performance.now();
  state.faces = faces.length;
  $('status').textContent = '';
  if (faces.length === 0) {
    $('editor').hidden = true;
    message(`No face found in "${photo.name}". The editor needs a face at least about 40 pixels wide, looking roughly at the camera.`);
    return;
  }
  $('editor').hidden = false;
  const notes = [photo.alphaOverWhite ? 'transparent parts shown on white' : '', photo.orientation !== 1 ? `turned upright (EXIF orientation ${photo.orientation})` : ''].filter(Boolean);
  $('info').textContent = `${photo.name}: ${photo.image.width} x ${photo.image.height}, ${faces.length} face${faces.length > 1 ? 's' : ''} found${notes.length ? `; ${notes.join(', ')}` : ''}. Pick an expression.`;
  draw(photo.image, true);
  state.openMs = { decode: Math.round(t2 - t1), detect: Math.round(t3 - t2), draw: Math.round(performance.now() - t3) };
}

async function render(): Promise<void> {
  if (!engine || !photo || target === null || state.editing) return;
  state.editing = true;
  document.querySelectorAll('#targets button').forEach((b) => b.setAttribute('aria-pressed', String((b as HTMLElement).dataset.target === String(target))));
  const strength = Number($<HTMLInputElement>('strength').value);
  $('status').textContent = `Editing to ${engine.labels[target]}…`;
  try {
    const t = performance.now();
    const r = await edit(engine, photo.image, faces, target, strength);
    edited = r.edits[0].image;
    state.from = r.faces.map((f) => f.from.label);
    state.lastEditMs = Math.round(performance.now() - t);
    state.firstEditMs ??= Math.round(performance.now() - t0);
    state.edits++;
    draw(edited, false);
    $('status').textContent = `${engine.labels[target]}, strength ${strength.toFixed(2)}: ${faces.length} face${faces.length > 1 ? 's' : ''} edited in ${state.lastEditMs} ms on ${engine.backend === 'webgl' ? 'WebGL' : 'WebAssembly'}.`;
    $<HTMLButtonElement>('download').disabled = false;
  } catch (e) {
    message(e instanceof NoFaceError ? 'No face found.' : `The edit failed: ${(e as Error).message}`);
  } finally {
    state.editing = false;
  }
}

async function download(): Promise<void> {
  if (!photo || !edited || target === null || !engine) return;
  const blob = await encodePhoto(edited, photo.format);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  const stem = photo.name.replace(/\.[^.]+$/, '');
  a.download = `${stem}-${engine.labels[target]}.${photo.format === 'jpeg' ? 'jpg' : 'png'}`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function wire(): void {
  for (const id of ['file', 'camera']) {
    $<HTMLInputElement>(id).addEventListener('change', (e) => {
      const f = (e.target as HTMLInputElement).files?.[0];
      if (f) void open(f);
    });
  }
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) void open(f);
  });
  const slider = $<HTMLInputElement>('strength');
  slider.addEventListener('input', () => { $('strength-value').textContent = Number(slider.value).toFixed(2); });
  slider.addEventListener('change', () => void render());
  const compare = $<HTMLButtonElement>('compare');
  const show = (original: boolean) => { if (photo) draw(original || !edited ? photo.image : edited, original || !edited); };
  for (const el of [compare, $('canvas')]) {
    el.addEventListener('pointerdown', () => show(true));
    el.addEventListener('pointerup', () => show(false));
    el.addEventListener('pointerleave', () => show(false));
  }
  $<HTMLButtonElement>('download').addEventListener('click', () => void download());
}

wire();
void start();
