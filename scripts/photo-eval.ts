/**
 * npm run photo:eval -- --celeba CELEBA_DIR [--n 210] [--phone 40] [--out results/reference/photo]
 *
 * Measures the photo editor (lib/photo + the shipped translator) on real photos: CelebA colour
 * photos at their own size (178x218), and "phone" photos made from other CelebA photos (enlarged
 * and off-centre on 1600x1200 and 12-megapixel backgrounds, EXIF-rotated JPEGs, two faces).
 * Every face is edited to all 7 expressions. Reported: faces found; pixels changed outside the
 * masks (must be 0); the project's classifier on the face re-detected and aligned in the edited
 * photo (reads the target?) beside its reading of the unedited photos; the identity embedding of
 * face vs edit beside same-person and different-person pairs; the seam (gradient of the change on
 * the mask's rim vs inside); time per stage for a 178x218 and a 12 MP photo (after model load).
 * Writes metrics.json, table.md, sheet.jpg (6 photos x 7 expressions) and phone-sheet.jpg.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { parseArgs, intOption, stringOption, runMain } from '../tools/cli/args';
import { initBackend, describeBackend } from '../lib/backend';
import { loadTranslator } from '../lib/edit/translator-model';
import { loadJudge } from '../lib/eval/judge';
import { loadIdentityModel, embedFaces, cosine } from '../lib/eval/identity';
import { readIdentities } from '../lib/data/celeba';
import { loadPhotoTools, PhotoTools, alignedCrops, classifyCrops, matchFace } from '../lib/edit/photo-edit';
import { readPhoto, encodePhoto, codecName } from '../lib/edit/photo-io';
import { editPhoto } from '../lib/photo/edit-photo';
import { maskImage } from '../lib/photo/paste';
import { FER_TEMPLATE } from '../lib/photo/template';
import { changedOutside, maskUnion, seamMeasure } from '../lib/photo/measure';
import { phonePhoto, background, place, resizeRgb, storeWithOrientation } from '../lib/photo/compose';
import { RgbImage } from '../lib/photo/types';
import { labelledGridPng } from '../lib/viz/labelled';
import { writeJsonAtomic, writeFileAtomic, makeDirs } from '../lib/io/files';
import { REPO_ROOT } from '../lib/runs/versions';

type Acc = { n: number; hits: number[]; tries: number[]; base: number[]; outside: number; identity: number[]; rimD: number[]; inD: number[]; rimR: number[]; inR: number[]; facesExpected: number; facesFound: number; notRedetected: number };
const newAcc = (k: number): Acc => ({ n: 0, hits: Array(k).fill(0), tries: Array(k).fill(0), base: Array(k).fill(0), outside: 0, identity: [], rimD: [], inD: [], rimR: [], inR: [], facesExpected: 0, facesFound: 0, notRedetected: 0 });
const mean = (v: number[]) => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : NaN);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const r3 = (v: number) => Math.round(v * 1000) / 1000;

runMain(async () => {
  const args = parseArgs(process.argv.slice(2), { options: ['celeba', 'n', 'phone', 'out'] }, 'photo:eval');
  let celeba = stringOption(args, 'celeba');
  if (!celeba) throw new Error('photo:eval: --celeba DIR is required (CelebA: img_align_celeba/ and identity_CelebA*.txt)');
  const imgDir = fs.existsSync(path.join(celeba, 'img_align_celeba')) ? path.join(celeba, 'img_align_celeba') : celeba;
  celeba = path.dirname(imgDir);
  const n = intOption(args, 'n', 'photo:eval', 6) ?? 210;
  const nPhone = intOption(args, 'phone', 'photo:eval', 4) ?? 40;
  const outDir = path.resolve(stringOption(args, 'out') ?? path.join(REPO_ROOT, 'results', 'reference', 'photo'));
  const backend = await initBackend({});
  process.stderr.write(`backend: ${describeBackend(backend)}; codec: ${codecName()}\n`);
  const T = await loadTranslator();
  const { judge, reason } = await loadJudge();
  if (!judge) throw new Error(`photo:eval needs the classifier: ${reason}`);
  const idModel = await loadIdentityModel();
  if (!idModel) throw new Error('photo:eval needs the identity embedding (models/identity-embed)');
  const tools = await loadPhotoTools(T, judge);
  const labels = T.spec.labels;
  const k = labels.length;
  const all = labels.map((_, c) => c);
  const ids = readIdentities(celeba);
  const files = fs.readdirSync(imgDir).filter((f) => /\.jpe?g$/i.test(f)).sort();
  const step = Math.max(1, Math.floor(files.length / (n + nPhone)));
  const picked = files.filter((_, i) => i % step === 0).slice(0, n + nPhone);
  const celebaFiles = picked.slice(0, n);
  const phoneFiles = picked.slice(n, n + nPhone);
  const embed = async (crops: Uint8Array[]) => embedFaces(idModel.net, { data: concat(crops), n: crops.length, height: 48, width: 48 });

  const originals: { crop: Uint8Array; person: number | undefined }[] = [];
  const sheetRows: { name: string; images: RgbImage[]; verdicts: string[] }[] = [];

  /** Edits `image` (with `expected` faces) to all 7 and adds its measures to `acc`. */
  async function measure(image: RgbImage, expected: number, acc: Acc, name: string, person?: number): Promise<void> {
    acc.n++;
    acc.facesExpected += expected;
    let r;
    try {
      r = await editPhoto(image, { detector: tools.detector, editor: tools.editor, targets: all });
    } catch (e) {
      if ((e as Error).name === 'NoFaceError' || /no face found/.test((e as Error).message)) return;
      throw e;
    }
    acc.facesFound += Math.min(expected, r.detected.length);
    const masks = r.faces.map((f) => maskImage(image.width, image.height, f.transform, FER_TEMPLATE));
    const union = maskUnion(masks);
    const before = await classifyCrops(judge!, r.faces.map((f) => f.crop));
    r.faces.forEach((_, j) => { acc.base[argmax(before, j, k)]++; });
    const embBefore = await embed(r.faces.map((f) => f.crop));
    if (person !== undefined && r.faces.length) originals.push({ crop: r.faces[0].crop, person });
    const row = { name, images: [image] as RgbImage[], verdicts: ['photo'] };
    for (const e of r.edits) {
      const t = labels.indexOf(e.target);
      acc.outside += changedOutside(image, e.image, union);
      const found = await tools.detector.detect(e.image);
      const matched = r.faces.map((f) => matchFace(f.box, found));
      const crops = matched.map((m) => (m >= 0 ? alignedCrops(e.image, [found[m]])[0] : null));
      const ok = crops.map((c, j) => ({ c, j })).filter((x) => x.c) as { c: Uint8Array; j: number }[];
      acc.notRedetected += crops.length - ok.length;
      const probs = ok.length ? await classifyCrops(judge!, ok.map((x) => x.c)) : new Float32Array(0);
      const emb = ok.length ? await embed(ok.map((x) => x.c)) : null;
      ok.forEach((x, i) => {
        acc.tries[t]++;
        if (argmax(probs, i, k) === t) acc.hits[t]++;
        acc.identity.push(cosine(embBefore.data, x.j, emb!.data, i, emb!.d));
      });
      acc.tries[t] += crops.length - ok.length; // not found again counts as a miss
      r.faces.forEach((_, j) => {
        const s = seamMeasure(image, e.image, masks[j]);
        if (s.rimPixels > 0) { acc.rimD.push(s.rimChangeGradient); acc.inD.push(s.insideChangeGradient); acc.rimR.push(s.rimGradientRatio); acc.inR.push(s.insideGradientRatio); }
      });
      row.images.push(e.image);
      row.verdicts.push(ok.length && ok[0].j === 0 ? (argmax(probs, 0, k) === t ? `reads ${e.target}` : `reads ${labels[argmax(probs, 0, k)]}`) : 'not found');
    }
    if (sheetRows.length < 6 && expected === 1 && image.width === 178) sheetRows.push(row);
  }

  const t0 = Date.now();
  const accC = newAcc(k);
  for (const [i, f] of celebaFiles.entries()) {
    const p = await readPhoto(path.join(imgDir, f));
    await measure(p.image, 1, accC, f, ids.get(f));
    if ((i + 1) % 10 === 0) process.stderr.write(`celeba ${i + 1}/${celebaFiles.length} (${Math.round((Date.now() - t0) / 1000)} s)\n`);
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facegan-photo-eval-'));
  const kinds = ['off-centre 1600x1200', '12 MP (4000x3000)', 'EXIF-rotated JPEG', 'two faces 2000x1200'];
  const accP = kinds.map(() => newAcc(k));
  const phoneSheet: { before: RgbImage; after: RgbImage; kind: string }[] = [];
  for (const [i, f] of phoneFiles.entries()) {
    const kind = i % 4;
    const face = (await readPhoto(path.join(imgDir, f))).image;
    const seed = 100 + i;
    const rnd = (a: number, b: number) => a + ((seed * 7919) % 1000) / 1000 * (b - a);
    let img: RgbImage, expected = 1;
    if (kind === 0) img = phonePhoto(face, { width: 1600, height: 1200, scale: 3, x: Math.round(rnd(0, 1600 - 534)), y: Math.round(rnd(0, 1200 - 654)), seed });
    else if (kind === 1) img = phonePhoto(face, { width: 4000, height: 3000, scale: 7, x: Math.round(rnd(100, 4000 - 1346)), y: Math.round(rnd(50, 3000 - 1576)), seed });
    else if (kind === 2) {
      const upright = phonePhoto(face, { width: 960, height: 1280, scale: 4, x: Math.round(rnd(0, 960 - 712)), y: Math.round(rnd(0, 1280 - 872)), seed });
      const o = [6, 8, 3][Math.floor(i / 4) % 3];
      const stored = storeWithOrientation(upright, o);
      const file = path.join(tmp, `rot-${i}.jpg`);
      fs.writeFileSync(file, await sharp(Buffer.from(stored.data), { raw: { width: stored.width, height: stored.height, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: o }).toBuffer());
      const p = await readPhoto(file);
      if (p.image.width !== 960 || p.image.height !== 1280) throw new Error(`${file}: EXIF orientation ${o} read as ${p.image.width}x${p.image.height}, expected 960x1280 upright`);
      img = p.image;
    } else {
      const other = (await readPhoto(path.join(imgDir, phoneFiles[(i + 1) % phoneFiles.length]))).image;
      img = background(2000, 1200, seed);
      place(img, resizeRgb(face, 445, 545), Math.round(rnd(50, 400)), Math.round(rnd(50, 600)));
      place(img, resizeRgb(other, 356, 436), Math.round(rnd(1100, 1550)), Math.round(rnd(100, 700)));
      expected = 2;
    }
    await measure(img, expected, accP[kind], f);
    if (phoneSheet.length < 4 && phoneSheet.every((s) => s.kind !== kinds[kind])) {
      const r = await editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [labels.indexOf('happy')] }).catch(() => null);
      if (r) phoneSheet.push({ before: img, after: r.edits[0].image, kind: kinds[kind] });
    }
    process.stderr.write(`phone ${i + 1}/${phoneFiles.length} (${kinds[kind]}, ${Math.round((Date.now() - t0) / 1000)} s)\n`);
  }

  // Identity references: the same person in another photo, and two different people.
  const same: number[] = [], diff: number[] = [];
  const embO = await embed(originals.map((o) => o.crop));
  for (let i = 0; i < originals.length; i++) for (let j = i + 1; j < originals.length; j++) {
    if (originals[i].person === undefined || originals[j].person === undefined) continue;
    (originals[i].person === originals[j].person ? same : diff).push(cosine(embO.data, i, embO.data, j, embO.d));
  }

  // Time per stage, after model load: a CelebA photo and a 12 MP phone photo, 5 runs each (median).
  const timing = async (file: string) => {
    const runs: Record<string, number>[] = [];
    for (let rep = 0; rep < 6; rep++) {
      let t = performance.now();
      const p = await readPhoto(file);
      const decode = performance.now() - t;
      const r = await editPhoto(p.image, { detector: tools.detector, editor: tools.editor, targets: [labels.indexOf('happy')] });
      t = performance.now();
      await encodePhoto(r.edits[0].image, 'jpeg', { quality: 92 });
      const encode = performance.now() - t;
      const { detect, align, edit, paste } = r.timings;
      if (rep > 0) runs.push({ decode, detect, align, edit, paste, encode, detect_to_paste: detect + align + edit + paste });
    }
    const out: Record<string, number> = {};
    for (const key of Object.keys(runs[0])) out[key] = Math.round(median(runs.map((x) => x[key])));
    return out;
  };
  const bigFace = (await readPhoto(path.join(imgDir, celebaFiles[0]))).image;
  const big = phonePhoto(bigFace, { width: 4000, height: 3000, scale: 7, x: 2200, y: 700, seed: 12 });
  const bigFile = path.join(tmp, '12mp.jpg');
  fs.writeFileSync(bigFile, await encodePhoto(big, 'jpeg', { quality: 92 }));
  const times = { '178x218': await timing(path.join(imgDir, celebaFiles[0])), '4000x3000 (12 MP)': await timing(bigFile) };
  fs.rmSync(tmp, { recursive: true, force: true });

  const summarise = (a: Acc) => {
    const ratioPer = labels.map((_, t) => (a.tries[t] ? a.hits[t] / a.tries[t] : NaN));
    const faces = a.base.reduce((s, v) => s + v, 0);
    const basePer = labels.map((_, t) => (faces ? a.base[t] / faces : NaN));
    return {
      photos: a.n, faces_expected: a.facesExpected, faces_found: a.facesFound, found_rate: r3(a.facesFound / Math.max(1, a.facesExpected)),
      pixels_changed_outside_masks: a.outside,
      edits_not_redetected: a.notRedetected,
      hit_rate: Object.fromEntries(labels.map((l, t) => [l, r3(ratioPer[t])])),
      hit_rate_macro: r3(mean(ratioPer.filter(Number.isFinite))),
      unedited_rate: Object.fromEntries(labels.map((l, t) => [l, r3(basePer[t])])),
      unedited_rate_macro: r3(mean(basePer.filter(Number.isFinite))),
      identity_face_vs_edit: r3(mean(a.identity)),
      seam: { rim_change_gradient: r3(mean(a.rimD)), inside_change_gradient: r3(mean(a.inD)), rim_gradient_ratio: r3(mean(a.rimR)), inside_gradient_ratio: r3(mean(a.inR)) },
    };
  };
  const metrics = {
    translator: path.relative(REPO_ROOT, T.source) || T.source,
    detector: tools.detector.name,
    classifier: path.relative(REPO_ROOT, judge.dir),
    identity_model: path.relative(REPO_ROOT, idModel.dir),
    backend: describeBackend(backend).split('): ')[0] + ')',
    cpu: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
    codec: codecName(),
    data: `CelebA img_align_celeba (${files.length} files), every ${step}th: ${celebaFiles.length} photos at 178x218, the next ${phoneFiles.length} made into phone photos`,
    celeba: summarise(accC),
    phone: Object.fromEntries(kinds.map((kd, i) => [kd, summarise(accP[i])])),
    identity_reference: { same_person: r3(mean(same)), different_people: r3(mean(diff)), pairs_same: same.length, pairs_diff: diff.length },
    time_ms: times,
    strength: 1,
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  makeDirs(outDir);
  writeJsonAtomic(path.join(outDir, 'metrics.json'), metrics);
  writeFileAtomic(path.join(outDir, 'table.md'), tableMd(metrics, labels));
  if (sheetRows.length) {
    const pics = sheetRows.flatMap((r) => r.images.map((im) => ({ pixels: im.data, width: im.width, height: im.height, channels: 3 as const })));
    const png = labelledGridPng(pics, { cols: 1 + k, scale: 1, colLabels: ['photo', ...labels], cellLabels: sheetRows.flatMap((r) => r.verdicts), title: 'Before / after: CelebA photos at 178x218, every expression (label: the classifier on the re-detected edited face)' });
    writeFileAtomic(path.join(outDir, 'sheet.jpg'), await sharp(png).jpeg({ quality: 88 }).toBuffer());
  }
  if (phoneSheet.length) {
    const W = 480;
    const pics = phoneSheet.flatMap((s) => [s.before, s.after]).map((im) => {
      const h = Math.round((im.height * W) / im.width);
      return { im, h };
    });
    const small = await Promise.all(pics.map(async ({ im, h }) => ({ pixels: new Uint8Array(await sharp(Buffer.from(im.data), { raw: { width: im.width, height: im.height, channels: 3 } }).resize(W, h).raw().toBuffer()), width: W, height: h, channels: 3 as const })));
    const png = labelledGridPng(small, { cols: 2, scale: 1, colLabels: ['photo', 'happy'], rowLabels: phoneSheet.map((s) => s.kind), title: 'Phone photos (shrunk to 480 px wide here): before / after' });
    writeFileAtomic(path.join(outDir, 'phone-sheet.jpg'), await sharp(png).jpeg({ quality: 85 }).toBuffer());
  }
  process.stderr.write(tableMd(metrics, labels));
  console.log(outDir);
});

function concat(a: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(a.reduce((s, x) => s + x.length, 0));
  let o = 0;
  for (const x of a) { out.set(x, o); o += x.length; }
  return out;
}

function argmax(p: Float32Array, i: number, k: number): number {
  let b = 0;
  for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + b]) b = c;
  return b;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function tableMd(m: any, labels: readonly string[]): string {
  const sets: [string, any][] = [['CelebA 178x218', m.celeba], ...Object.entries(m.phone) as [string, any][]];
  const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  const lines = [
    '# The photo editor on real photos',
    '',
    `Translator ${m.translator}; faces: ${m.detector}; classifier ${m.classifier}; identity ${m.identity_model}; backend ${m.backend} on ${m.cpu}; codec ${m.codec}.`,
    `Data: ${m.data}. Every face edited to all ${labels.length} expressions at strength 1 (written by \`npm run photo:eval\`).`,
    '',
    '| photos | n | faces found | pixels changed outside masks | edits whose face is not re-detected | classifier reads the target (macro) | unedited photos read as it (macro) | identity face vs edit | seam: change gradient rim / inside |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...sets.map(([name, s]) => `| ${name} | ${s.photos} | ${s.faces_found}/${s.faces_expected} | ${s.pixels_changed_outside_masks} | ${s.edits_not_redetected} | ${f(s.hit_rate_macro)} | ${f(s.unedited_rate_macro)} | ${f(s.identity_face_vs_edit)} | ${f(s.seam.rim_change_gradient, 2)} / ${f(s.seam.inside_change_gradient, 2)} |`),
    '',
    `Identity references (same embedding, unedited aligned crops): same person in another photo ${f(m.identity_reference.same_person)}, two different people ${f(m.identity_reference.different_people)}.`,
    '',
    'Per target on the CelebA photos (classifier on the re-detected edited face / on the unedited faces):',
    '',
    `| | ${labels.join(' | ')} |`,
    `|---|${labels.map(() => '---:').join('|')}|`,
    `| edited to it, read as it | ${labels.map((l) => f(m.celeba.hit_rate[l])).join(' | ')} |`,
    `| unedited, read as it | ${labels.map((l) => f(m.celeba.unedited_rate[l])).join(' | ')} |`,
    '',
    'Time per stage after model load (ms, median of 5):',
    '',
    '| photo | decode | detect | align | edit | paste | encode (JPEG 92) | detect to paste |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(m.time_ms).map(([k, t]: [string, any]) => `| ${k} | ${t.decode} | ${t.detect} | ${t.align} | ${t.edit} | ${t.paste} | ${t.encode} | ${t.detect_to_paste} |`),
    '',
  ];
  return lines.join('\n');
}
