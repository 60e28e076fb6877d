/** The editor's static server (npm run app): serves the build, refuses anything but GET/HEAD and paths outside it. */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { staticServer } from '../../scripts/app';
import { listen } from '../../scripts/web-browser';
import { tempDir } from '../helpers';

test('static server: files with their types, index.html for /, 404, 405 for POST, no way out of the folder', async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'index.html'), '<p>hi</p>');
  fs.mkdirSync(path.join(dir, 'wasm'));
  fs.writeFileSync(path.join(dir, 'wasm', 'x.wasm'), Buffer.from([0, 97, 115, 109]));
  fs.writeFileSync(path.join(path.dirname(dir), 'secret.txt'), 'no');
  const server = staticServer(dir);
  const url = await listen(server);
  try {
    let r = await fetch(url);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(await r.text(), '<p>hi</p>');
    r = await fetch(url + 'wasm/x.wasm');
    assert.equal(r.headers.get('content-type'), 'application/wasm');
    assert.equal((await fetch(url + 'missing.js')).status, 404);
    assert.equal((await fetch(url, { method: 'POST', body: 'photo bytes' })).status, 405);
    assert.equal((await fetch(url + '..%2Fsecret.txt')).status, 403);
  } finally {
    server.close();
  }
});
