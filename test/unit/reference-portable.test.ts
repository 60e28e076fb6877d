/**
 * Committed results carry no folder of the machine that made them: paths in results/reference/ and
 * models/ are relative (to the run, the dataset root or the checkout), so they read the same on every
 * clone (lib/runs/portable-paths.ts makes exports so; this catches a hand-copied file).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
/** An absolute path under a typical home, work or scratch folder, not inside a word or URL. */
const MACHINE_PATH = /(?<![\w.:/-])\/(?:root|home|work|tmp|Users|check)\/[\w.@+-]+/;

function textFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return textFiles(p);
    return /\.(json|md|csv|html|ipynb|txt)$/.test(e.name) ? [p] : [];
  });
}

/** A notebook's text without its embedded pictures (base64 may hold any letters and slashes). */
function withoutPictures(text: string): string {
  return text.replace(/"image\/(png|gif|jpeg)": "[^"]*"/g, '""');
}

test('committed results and models name no folder of the machine that made them', () => {
  const files = [...textFiles(path.join(ROOT, 'results', 'reference')), ...textFiles(path.join(ROOT, 'models'))];
  assert.ok(files.length > 20, `found ${files.length} files`);
  const found = files.flatMap((f) => {
    const text = f.endsWith('.ipynb') ? withoutPictures(fs.readFileSync(f, 'utf8')) : fs.readFileSync(f, 'utf8');
    const m = MACHINE_PATH.exec(text);
    return m ? [`${path.relative(ROOT, f)}: ${m[0]}`] : [];
  });
  assert.deepEqual(found, []);
});
