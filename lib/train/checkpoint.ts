/**
 * Atomic checkpoints of a GAN run: G and D (model.json + weights.bin), both optimizers' moments
 * and step, and a JSON state (epoch/iteration, RNG state, data-order position, ...).
 *
 * Layout: <run>/checkpoints/step-0000123/{G,D}/..., opt-G.bin, opt-D.bin, state.json, and
 * <run>/checkpoints/latest.json naming the newest complete one. A checkpoint is written into a
 * temporary folder and renamed into place; latest.json is replaced atomically only after that; the
 * previous checkpoint is kept, older ones are removed. A crash at any moment leaves a loadable one.
 * manifest.json in each checkpoint (size + sha256 of every file) is checked on load; a damaged
 * newest checkpoint (or a broken latest.json) falls back to the newest intact one. Checkpoints
 * written before manifests existed load unverified; a missing manifest in a run that writes them is
 * damage (lib/train/manifest-policy.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Adam } from './adam';
import { GanPair } from './gan-pair';
import { saveModelDir, loadWeightsInto } from './model-io';
import * as crypto from 'crypto';
import { writeFileAtomic, writeJsonAtomic, readJson, fsyncDir } from '../io/files';
import { manifestOptional } from './manifest-policy';

export interface TrainState {
  /** Optimizer steps completed (= iterations). */
  step: number;
  /** Epoch the next iteration belongs to (0-based). */
  epoch: number;
  /** Iteration within that epoch of the next batch. */
  iterInEpoch: number;
  /** Seconds of training so far (summed over resumed sessions). */
  seconds: number;
  /** Serialised RNG / data-order state, owned by the trainer. */
  rng: unknown;
  batches: unknown;
  [k: string]: unknown;
}

const STEP_DIR = /^step-(\d+)$/;

function saveOptimizer(opt: Adam, file: string, state: { step: number; m: Float32Array[]; v: Float32Array[] }): void {
  const parts = [...state.m, ...state.v];
  const total = parts.reduce((n, a) => n + a.length, 0);
  const buf = new Float32Array(total);
  let o = 0;
  for (const a of parts) {
    buf.set(a, o);
    o += a.length;
  }
  writeFileAtomic(file, new Uint8Array(buf.buffer));
  writeJsonAtomic(file.replace(/\.bin$/, '.json'), { step: state.step, shapes: opt.params.map((p) => p.shape) });
}

function loadOptimizer(opt: Adam, file: string): void {
  const meta = readJson<{ step: number; shapes: number[][] }>(file.replace(/\.bin$/, '.json'), 'optimizer state');
  const bytes = fs.readFileSync(file);
  const sizes = opt.params.map((p) => p.size);
  const total = sizes.reduce((a, b) => a + b, 0) * 2;
  if (bytes.byteLength !== total * 4) {
    throw new Error(`optimizer state ${file} is truncated or does not match the model: ${bytes.byteLength} bytes, expected ${total * 4}`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const bad = all.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`optimizer state ${file} is damaged: value ${bad} is ${all[bad]} (not a finite number)`);
  const m: Float32Array[] = [];
  const v: Float32Array[] = [];
  let o = 0;
  for (const s of sizes) (m.push(all.slice(o, o + s)), (o += s));
  for (const s of sizes) (v.push(all.slice(o, o + s)), (o += s));
  opt.setState({ step: meta.step, m, v }, file);
}

/** Every file below `dir` (relative paths, sorted), manifest.json excepted. */
function filesBelow(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesBelow(dir, r));
    else if (r !== MANIFEST) out.push(r);
  }
  return out.sort();
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

const MANIFEST = 'manifest.json';

interface Manifest {
  step: number;
  files: Record<string, { size: number; sha256: string }>;
}

/**
 * Writes a checkpoint for `state` and makes it the latest; keeps the previous one (`known`: the
 * caller's last intact checkpoint, else latest.json's). Each checkpoint
 * holds manifest.json (size and sha256 of every file, read back from the disk), written last before
 * the temporary folder is renamed into place. On any error the temporary folder is removed and the
 * error (a WriteError naming the file, for write failures) is rethrown; the previous checkpoints
 * and latest.json are untouched.
 */
export async function saveCheckpoint(runDir: string, pair: GanPair, state: TrainState, known?: string | null): Promise<string> {
  const root = path.join(runDir, 'checkpoints');
  const name = `step-${String(state.step).padStart(7, '0')}`;
  const tmp = path.join(root, `.tmp-${name}-${process.pid}`);
  fs.mkdirSync(root, { recursive: true });
  // temporary folders of killed processes (the run lock makes this process the only writer)
  for (const entry of fs.readdirSync(root)) {
    if (entry.startsWith('.tmp-')) fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
  try {
    fs.mkdirSync(tmp, { recursive: true });
    await saveModelDir(pair.G, path.join(tmp, 'G'));
    await saveModelDir(pair.D, path.join(tmp, 'D'));
    saveOptimizer(pair.optG, path.join(tmp, 'opt-G.bin'), await pair.optG.getState());
    saveOptimizer(pair.optD, path.join(tmp, 'opt-D.bin'), await pair.optD.getState());
    writeJsonAtomic(path.join(tmp, 'state.json'), state);
    const manifest: Manifest = { step: state.step, files: {} };
    for (const f of filesBelow(tmp)) {
      manifest.files[f] = { size: fs.statSync(path.join(tmp, f)).size, sha256: sha256(path.join(tmp, f)) };
    }
    writeJsonAtomic(path.join(tmp, MANIFEST), manifest);
    for (const sub of ['G', 'D']) fsyncDir(path.join(tmp, sub));
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const final = path.join(root, name);
  // `previous`: the caller's last known-good checkpoint, else latest.json's (never this one itself)
  const hint = known ? path.basename(known) : readLatest(runDir)?.checkpoint ?? null;
  const previous = hint && hint !== name && fs.existsSync(path.join(root, hint)) ? hint : null;
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  fsyncDir(root);
  writeJsonAtomic(path.join(root, 'latest.json'), { checkpoint: name, previous, step: state.step, savedAt: new Date().toISOString() });
  for (const entry of fs.readdirSync(root)) {
    if (STEP_DIR.test(entry) && entry !== name && entry !== previous) fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
  return final;
}

/** latest.json's names (checkpoint, previous), or a note saying why it cannot be read. */
function readLatest(runDir: string): { checkpoint?: string; previous?: string | null; note?: string } | null {
  const file = path.join(runDir, 'checkpoints', 'latest.json');
  if (!fs.existsSync(file)) return null;
  try {
    const v = readJson<{ checkpoint?: unknown; previous?: unknown }>(file, 'checkpoint index');
    if (typeof v.checkpoint !== 'string' || !STEP_DIR.test(v.checkpoint)) throw new Error(`checkpoint index ${file} names no step-NNNNNNN folder`);
    return { checkpoint: v.checkpoint, previous: typeof v.previous === 'string' && STEP_DIR.test(v.previous) ? v.previous : null };
  } catch (e) {
    return { note: (e as Error).message };
  }
}

/**
 * Checkpoint folder names of a run, newest first as far as the run knows: latest.json's checkpoint,
 * its previous, then every other step-NNNNNNN folder by step, descending.
 */
export function checkpointCandidates(runDir: string): string[] {
  const root = path.join(runDir, 'checkpoints');
  const out: string[] = [];
  const latest = readLatest(runDir);
  if (latest?.checkpoint) out.push(latest.checkpoint);
  if (latest?.previous) out.push(latest.previous);
  const steps = fs.existsSync(root) ? fs.readdirSync(root).filter((e) => STEP_DIR.test(e)).sort().reverse() : [];
  for (const s of steps) if (!out.includes(s)) out.push(s);
  return out.filter((c) => fs.existsSync(path.join(root, c)));
}

export interface CheckpointCheck {
  ok: boolean;
  /** false for checkpoints without manifest.json: loadable only when the run predates manifests (lib/train/manifest-policy.ts). */
  verified: boolean;
  problems: string[];
}

/** Checks a checkpoint folder against its manifest.json (size and sha256 of every file). */
export function verifyCheckpoint(dir: string): CheckpointCheck {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file)) {
    const policy = manifestOptional(dir);
    if (!policy.optional) return { ok: false, verified: false, problems: [`manifest.json is missing (${policy.why}): its files cannot be verified`] };
    const ok = fs.existsSync(path.join(dir, 'state.json'));
    return { ok, verified: false, problems: ok ? [] : ['state.json is missing'] };
  }
  let manifest: Manifest;
  try {
    manifest = readJson<Manifest>(file, 'checkpoint manifest');
    if (!manifest.files || typeof manifest.files !== 'object') throw new Error(`checkpoint manifest ${file} lists no files`);
  } catch (e) {
    return { ok: false, verified: true, problems: [(e as Error).message] };
  }
  const problems: string[] = [];
  for (const [rel, want] of Object.entries(manifest.files)) {
    const f = path.join(dir, rel);
    if (!fs.existsSync(f)) {
      problems.push(`${rel} is missing`);
      continue;
    }
    const size = fs.statSync(f).size;
    if (size !== want.size) problems.push(`${rel} has ${size} bytes, the manifest says ${want.size}`);
    else if (sha256(f) !== want.sha256) problems.push(`${rel} does not match its sha256 (damaged)`);
  }
  return { ok: problems.length === 0, verified: true, problems };
}

/** The newest intact checkpoint and what was skipped on the way (for messages). */
export interface FoundCheckpoint {
  dir: string;
  verified: boolean;
  /** One line per checkpoint skipped as damaged, and a line when latest.json itself is broken. */
  notes: string[];
}

/**
 * Finds the newest intact checkpoint of a run: latest.json's, else (damaged, or latest.json
 * broken) the newest intact older one. Returns null when the run has no checkpoint at all; throws
 * when it has checkpoints but none is intact.
 */
export function findCheckpoint(runDir: string): FoundCheckpoint | null {
  const notes: string[] = [];
  const latest = readLatest(runDir);
  if (latest?.note) notes.push(`${latest.note}; looking for the newest intact checkpoint instead`);
  const root = path.join(runDir, 'checkpoints');
  const candidates = checkpointCandidates(runDir);
  for (const c of candidates) {
    const check = verifyCheckpoint(path.join(root, c));
    if (check.ok) return { dir: path.join(root, c), verified: check.verified, notes };
    notes.push(`checkpoint ${path.join(root, c)} is damaged (${check.problems.slice(0, 3).join('; ')}); skipping it`);
  }
  if (candidates.length === 0 && !latest) return null;
  throw new Error(`${runDir} has no intact checkpoint: ${notes.join('; ') || 'checkpoints/ holds no step-NNNNNNN folder'}`);
}

/**
 * Path of the checkpoint latest.json names (cheap: not verified; null when the run has no
 * latest.json). A broken latest.json falls back to the newest intact checkpoint, with a note on
 * `say`. Loading goes through loadNewestCheckpoint / findCheckpoint, which verify.
 */
export function latestCheckpoint(runDir: string, say: (line: string) => void = (l) => process.stderr.write(`note: ${l}\n`)): string | null {
  const latest = readLatest(runDir);
  if (!latest) return null;
  if (latest.checkpoint) return path.join(runDir, 'checkpoints', latest.checkpoint);
  const found = findCheckpoint(runDir);
  for (const n of found?.notes ?? []) say(n);
  return found?.dir ?? null;
}

/**
 * Restores the newest intact checkpoint of a run into `pair`: each candidate is checked against its
 * manifest and loaded; one that is damaged or fails to load is skipped with a note (`say`), and the
 * next older one is tried. An unverified (pre-manifest) checkpoint is noted once. Returns null when
 * the run has no checkpoint; throws when none of its checkpoints is intact.
 */
export function loadNewestCheckpoint(runDir: string, pair: GanPair, say: (line: string) => void): { dir: string; state: TrainState } | null {
  const latest = readLatest(runDir);
  const root = path.join(runDir, 'checkpoints');
  const candidates = checkpointCandidates(runDir);
  if (candidates.length === 0 && !latest) return null;
  const problems: string[] = [];
  if (latest?.note) say(`${latest.note}; looking for the newest intact checkpoint instead`);
  for (const c of candidates) {
    const dir = path.join(root, c);
    const check = verifyCheckpoint(dir);
    let why = check.problems.slice(0, 3).join('; ');
    if (check.ok) {
      try {
        const state = loadCheckpoint(dir, pair);
        if (!check.verified) say(`checkpoint ${dir} has no manifest.json (written before this run's checkpoints had manifests): loaded unverified`);
        if (problems.length) say(`resuming from ${dir}, the newest intact checkpoint`);
        return { dir, state };
      } catch (e) {
        why = (e as Error).message;
      }
    }
    problems.push(`${c}: ${why}`);
    say(`checkpoint ${dir} is damaged (${why}); trying an older one`);
  }
  throw new Error(`${runDir} has no intact checkpoint (${problems.join('; ') || 'checkpoints/ holds no step-NNNNNNN folder'}); start it again with a new --out`);
}

/** Restores G, D, both optimizers from a checkpoint folder and returns its state. */
export function loadCheckpoint(dir: string, pair: GanPair): TrainState {
  if (!fs.existsSync(path.join(dir, 'state.json'))) {
    throw new Error(`checkpoint ${dir} is incomplete: state.json is missing`);
  }
  const state = readJson<TrainState>(path.join(dir, 'state.json'), 'checkpoint state');
  if (!Number.isInteger(state.step) || state.step < 0 || !Number.isInteger(state.epoch) || !Number.isInteger(state.iterInEpoch)) {
    throw new Error(`checkpoint state ${path.join(dir, 'state.json')} is damaged: step/epoch/iterInEpoch are not integers`);
  }
  loadWeightsInto(pair.G, path.join(dir, 'G'));
  loadWeightsInto(pair.D, path.join(dir, 'D'));
  loadOptimizer(pair.optG, path.join(dir, 'opt-G.bin'));
  loadOptimizer(pair.optD, path.join(dir, 'opt-D.bin'));
  return state;
}
