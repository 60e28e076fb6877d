/** Committed run records carry no absolute path of the machine: roots rewritten, other absolute paths cut. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { portableJson, portableString } from '../../lib/runs/portable-paths';

const roots = [
  { from: '/srv/study/paper/fer-happy', to: '.' },
  { from: '/srv/study/paper', to: '..' },
  { from: '/data/fer2013', to: 'fer2013' },
  { from: '/home/u/facegan', to: '' },
];

test('paths under the run folder, the campaign folder, the dataset and the checkout become relative', () => {
  assert.equal(portableString('/srv/study/paper/fer-happy/checkpoints/step-0000200', roots), 'checkpoints/step-0000200');
  assert.equal(portableString('/srv/study/paper/fer-happy', roots), '.');
  assert.equal(portableString('/srv/study/paper/fer-sad/x.json', roots), '../fer-sad/x.json');
  assert.equal(portableString('/data/fer2013', roots), 'fer2013');
  assert.equal(portableString('/home/u/facegan/models/fer-classifier', roots), 'models/fer-classifier');
  assert.equal(portableString('binding not built (no /home/u/facegan/node_modules/a/b.node)', roots), 'binding not built (no node_modules/a/b.node)');
  // a root is only a prefix at a path boundary
  assert.equal(portableString('/data/fer2013-other/train', roots), 'train');
});

test('other absolute paths are cut to their last component; relative paths and prose stay', () => {
  assert.equal(portableString('/opt/elsewhere/file.txt', roots), 'file.txt');
  for (const s of ['fer2013 train/happy', 'loss_D / loss_G', '134 images/s', 'x1e3 (lower is better)', '2026-12-01T04:53:36.063Z']) {
    assert.equal(portableString(s, roots), s);
  }
});

test('portableJson rewrites every string value, deep, and keeps numbers, keys and structure', () => {
  const v = { data: { path: '/data/fer2013', images: 436 }, command: ['/home/u/facegan/scripts/experiment.ts', '--out', '/srv/study/paper/fer-happy'], ok: true, n: null };
  assert.deepEqual(portableJson(v, roots), { data: { path: 'fer2013', images: 436 }, command: ['scripts/experiment.ts', '--out', '.'], ok: true, n: null });
});
