/**
 * Notebook 05's translator views without a trained model (lib/notebook/views/translator-views.ts):
 * finding the translator (run folder, model folder, nothing: a note, a wrong folder: an error), and
 * showTranslatorMetrics on model folders: complete vs interrupted snapshot, evaluated or not; and
 * translateTestFaces on an installed folder holding an untrained (tiny) G, labelled as a snapshot.
 * The notebook itself with a smoke translator run: test/e2e/notebook-notebooks.test.ts.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { withDisplayHandler, type DisplayMessage } from '../../lib/notebook/runner/tslab';
import { findTranslator, noTranslatorNote, paperPresetTime, SHIPPED_TRANSLATOR_METRICS, showTranslatorMetrics, translateTestFaces, translatorEvaluation } from '../../lib/notebook/views/translator-views';
import { EMOTIONS } from '../../lib/data';
import { buildTranslatorG } from '../../lib/models/translator';
import { saveModelDir } from '../../lib/train/model-io';
import { decodePng } from '../../lib/viz';
import { translatorModel } from '../../experiments/translate';
import { showMarkdown, checkoutRelative } from '../../lib/notebook/views/show';
import { REPO_ROOT } from '../../lib/runs/versions';
import { setupBackend, tempDir } from '../helpers';

test.before(setupBackend);

const work = tempDir('facegan-translator-views-');

/** The markdown a view shows, and its return value. */
async function shown<T>(fn: () => T | Promise<T>): Promise<{ md: string[]; value: T }> {
  const md: string[] = [];
  let value!: T;
  await withDisplayHandler(
    (msg: DisplayMessage) => {
      if (typeof msg.data['text/markdown'] === 'string') md.push(msg.data['text/markdown']);
    },
    async () => {
      value = await fn();
    },
  );
  return { md, value };
}

/** An evaluation record as lib/orchestrate/translate-eval.ts writes it (`edits` of metrics.json). */
function evaluation(ratioMacro: number, psnr: number, evaluatedAt: string): Record<string, unknown> {
  const k = EMOTIONS.length;
  return {
    n: 70, classes: EMOTIONS, hit: Array(k).fill(0.5), real: Array(k).fill(0.625), ratio: Array(k).fill(ratioMacro),
    ratio_macro: ratioMacro, hit_macro: 0.5, real_macro: 0.625, p_target: Array(k).fill(0.4), rec_psnr: psnr, rec_rmse: 5,
    change_inside: 0.12, change_outside: 0.04, identity: null,
    method: 'translate', faces: 'fer2013 PrivateTest (70 of 3589, seed 0)', model: 'x/G', evaluated_at: evaluatedAt,
  };
}

/** An installed translator folder as installTranslator writes it (the weights are not read by these views). */
function modelFolder(name: string, training: { status: string; steps: number }, planned: number, evaluated: Record<string, unknown> | null): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), '{}');
  fs.writeFileSync(path.join(dir, 'translator.json'), JSON.stringify({ spec: {}, settings: { steps: planned } }));
  fs.writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify({ evaluation: evaluated && { edit_n: 70, edits: evaluated }, training, checkpoint: `step-${String(training.steps).padStart(7, '0')}` }));
  return dir;
}

test('findTranslator: a model folder, a run folder, nothing there (the reason), a folder of another kind (an error)', () => {
  const model = modelFolder('found', { status: 'completed', steps: 10 }, 10, null);
  assert.deepEqual(findTranslator(model), { dir: model, kind: 'model' });
  const nowhere = path.join(work, 'nowhere');
  assert.match((findTranslator(nowhere) as { missing: string }).missing, /nowhere` does not exist/);
  const empty = path.join(work, 'empty');
  fs.mkdirSync(empty);
  assert.match((findTranslator(empty) as { missing: string }).missing, /holds no model\.json \(neither a translator run nor an installed translator\)/);
  const fresh = path.join(work, 'fresh-run');
  fs.mkdirSync(fresh);
  fs.writeFileSync(path.join(fresh, 'config.json'), JSON.stringify({ experiment: 'fer-translate', kind: 'translator', settings: { steps: 4 } }));
  assert.match((findTranslator(fresh) as { missing: string }).missing, /fresh-run` has no checkpoint yet/);
  const conditional = path.join(work, 'conditional-run');
  fs.mkdirSync(conditional);
  fs.writeFileSync(path.join(conditional, 'config.json'), JSON.stringify({ experiment: 'fer-conditional', spec: {} }));
  assert.throws(() => findTranslator(conditional), /is not a translator run \(config\.json has experiment "fer-conditional"\)/);
});

test('no translator: both views show how to train or install one and return null', async () => {
  const nowhere = path.join(work, 'nowhere');
  const edits = await shown(() => translateTestFaces({ translator: nowhere, perEmotion: 1 }));
  assert.equal(edits.value, null);
  assert.equal(edits.md.length, 1);
  assert.match(edits.md[0], /\*\*No expression translator found\*\* \(`.*nowhere` does not exist\)/);
  assert.match(edits.md[0], /npm run experiment -- fer-translate --preset paper --data \/path\/to\/fer2013 --install/);
  const metrics = await shown(() => showTranslatorMetrics(nowhere));
  assert.equal(metrics.value, null);
  assert.match(metrics.md[0], /No expression translator found/);
});

test('the note\'s time of the paper preset is read from the translator\'s install record, not written in the code', () => {
  const rec = (o: unknown) => {
    const f = path.join(tempDir('facegan-paper-time-'), 'metrics.json');
    fs.writeFileSync(f, typeof o === 'string' ? o : JSON.stringify(o));
    return f;
  };
  assert.equal(paperPresetTime(rec({ preset: 'paper', training: { status: 'completed', steps: 1000, trainSeconds: 600 } })), '1,000 iterations in 10 min (1.67 it/s)');
  assert.equal(paperPresetTime(rec({ preset: 'quick', training: { status: 'completed', steps: 1000, trainSeconds: 600 } })), null);
  assert.equal(paperPresetTime(rec({ preset: 'paper', training: { status: 'interrupted', steps: 400, trainSeconds: 600 } })), null);
  assert.equal(paperPresetTime(rec('{ not json')), null);
  assert.equal(paperPresetTime(path.join(work, 'no-such', 'metrics.json')), null);
  // The shipped translator's record (models/fer-translate/metrics.json, committed).
  // (the shipped v2 is a chosen snapshot of a stopped run: no paper-preset time is claimed for it)
  const shipped = JSON.parse(fs.readFileSync(SHIPPED_TRANSLATOR_METRICS, 'utf8')) as { training: { steps: number; trainSeconds: number; status: string } };
  const minutes = Math.round(shipped.training.trainSeconds / 60);
  if (shipped.training.status === 'completed') assert.match(noTranslatorNote('x'), new RegExp(`paper preset: [\\d,]+ iterations in ${minutes} min \\([\\d.]+ it/s\\) for the shipped translator`));
  else assert.match(noTranslatorNote('x'), /the paper preset: docs\/editing\.md gives its measured time/);
  assert.match(noTranslatorNote('x', null), /the paper preset: docs\/editing\.md gives its measured time/);
});

test('showTranslatorMetrics: an interrupted snapshot, not evaluated, is labelled as such', async () => {
  const dir = modelFolder('snapshot', { status: 'interrupted', steps: 4000 }, 10000, null);
  const { md, value } = await shown(() => showTranslatorMetrics(dir));
  assert.equal(value!.training.complete, false);
  assert.equal(value!.evaluation, null);
  assert.equal(md.length, 1);
  assert.match(md[0], /\*\*Interrupted snapshot, not the finished model\*\*: training status `interrupted` at 4000 of 10000 iterations \(checkpoint step-0004000\)/);
  assert.match(md[0], /\*Not evaluated yet\*/);
  // "completed" with fewer iterations than the settings ask for is no finished model either
  const short = modelFolder('short', { status: 'completed', steps: 600 }, 10000, null);
  assert.match((await shown(() => showTranslatorMetrics(short))).md[0], /Interrupted snapshot.*600 of 10000/);
  // installed while its run was still training (or from a run killed without a final status)
  const running = modelFolder('running', { status: 'running', steps: 7000 }, 10000, null);
  assert.match((await shown(() => showTranslatorMetrics(running))).md[0], /Interrupted snapshot, not the finished model\*\*: training status `running` \(still training, or stopped without a final status\) at 7000 of 10000/);
});

test('showTranslatorMetrics: a complete, evaluated model shows the per-target table and the targets met or not', async () => {
  const dir = modelFolder('done', { status: 'completed', steps: 10000 }, 10000, evaluation(0.82, 24.5, '2026-01-01T00:00:00Z'));
  const { md, value } = await shown(() => showTranslatorMetrics(dir));
  assert.equal(value!.training.complete, true);
  assert.equal(value!.evaluation!.ratio_macro, 0.82);
  assert.match(md[0], /^Training complete: 10000 of 10000 iterations/);
  assert.match(md[0], /macro hit ratio 0\.820 vs 0\.8: \*\*met\*\*; reconstruction PSNR 24\.50 dB vs 30 dB: \*\*not met\*\*/);
  assert.match(md[1], /\| target \| edits classified as target \| classifier recall on real faces \| ratio \| mean p\(target\) \|/);
  for (const e of EMOTIONS) assert.match(md[1], new RegExp(`\\| ${e} \\| 0\\.500 \\| 0\\.625 \\| 0\\.820 \\| 0\\.400 \\|`));
  assert.match(md[1], /\| \*\*macro\*\* \| 0\.500 \| 0\.625 \| \*\*0\.820\*\* \(target >= 0\.8\) \| \|/);
  assert.match(md[1], /inside the brow\/eye and mouth boxes 12\.00%, outside 4\.00%/);
  assert.match(md[1], /identity: not measured/);
  // a model folder evaluated directly (`npm run evaluate -- models/fer-translate`) after install: the later record wins
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify({ ...m, edits: evaluation(0.9, 29, '2026-02-01T00:00:00Z') }));
  assert.equal(translatorEvaluation({ dir, kind: 'model' })!.ratio_macro, 0.9);
});

test('translateTestFaces on an installed model folder: 7 emotions x perEmotion faces x 7 targets, picture and report written, snapshot labelled', async () => {
  const spec = { ...translatorModel, gDim: 8, resBlocks: 1 }; // small and untrained: the views, not the edits, are under test
  const dir = modelFolder('tiny', { status: 'stopped', steps: 120 }, 10000, null);
  fs.writeFileSync(path.join(dir, 'translator.json'), JSON.stringify({ spec, settings: { steps: 10000 } }));
  const G = buildTranslatorG(spec);
  await saveModelDir(G, dir);
  G.dispose();
  const outDir = path.join(work, 'tiny-edits');
  const { md, value } = await shown(() => translateTestFaces({ translator: dir, perEmotion: 1, seed: 3, outDir }));
  const r = value!;
  assert.equal(r.translator, dir);
  assert.equal(r.training.complete, false);
  assert.match(md[0], /Translator \*\*tiny\*\*.*\*\*Interrupted snapshot, not the finished model\*\*: training status `stopped` at 120 of 10000 iterations/s);
  assert.match(md[0], /Editing 7 FER2013 test faces \(1 per emotion\)/);
  assert.equal(r.faces.length, EMOTIONS.length);
  r.faces.forEach((f, c) => {
    assert.equal(f.from.cls, EMOTIONS[c]);
    assert.deepEqual(f.edits.map((e) => e.to), [...EMOTIONS]);
    assert.equal(f.images.edits.length, EMOTIONS.length);
    for (const e of f.edits) assert.ok(e.verdict && (EMOTIONS as readonly string[]).includes(e.verdict.predicted), 'verdicts from the shipped classifier');
  });
  assert.deepEqual(r.files, { png: path.join(outDir, 'translator-test-faces.png'), json: path.join(outDir, 'translator-test-faces.json') });
  const pic = decodePng(fs.readFileSync(r.files.png));
  const report = JSON.parse(fs.readFileSync(r.files.json, 'utf8'));
  assert.deepEqual([pic.width, pic.height], [report.picture.width, report.picture.height]);
  assert.ok(pic.width >= 8 * (96 + 8) && pic.height >= 7 * (96 + 8 + 19), `${pic.width}x${pic.height}`);
  assert.equal(report.faces.length, 7);
  assert.equal(report.training.complete, false);
  assert.ok(!('images' in report.faces[0]), 'the report holds no pixels');
  assert.deepEqual(fs.readdirSync(outDir).sort(), ['translator-test-faces.json', 'translator-test-faces.png'], 'atomic writes leave no temporary files');
});

test('notebook markdown names paths inside the checkout relative to it (the shipped translator), others unchanged', async () => {
  const { md } = await shown(() => showMarkdown(`model \`${path.join(REPO_ROOT, 'models', 'fer-translate')}\`, run \`${work}\``));
  assert.deepEqual(md, [`model \`models/fer-translate\`, run \`${work}\``]);
  assert.equal(checkoutRelative(`${REPO_ROOT}/a and ${REPO_ROOT}/b/c`), 'a and b/c');
});
