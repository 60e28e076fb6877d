/**
 * The programs' stop signals (tools/cli/stop.ts), in child processes: the first signal aborts the
 * AbortSignal with its name; nothing listening, the program ends as before (locks released, 128 + n;
 * holding no lock, by the signal itself); a second signal ends it at once, locks released.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { tempDir } from '../helpers';
import { DUPLICATE_MS } from '../../tools/cli/stop';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Runs `body` (with `stop`, `acquireRunLock` and `dir` in scope) in a child; sends `signals` once it says ready,
 * `gapMs` apart (the first 300 ms after ready).
 */
function child(body: string, dir: string, signals: NodeJS.Signals[], gapMs = 300): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const src = `
    const { stopOnSignals } = require(${JSON.stringify(path.join(ROOT, 'tools', 'cli', 'stop.ts'))});
    const { acquireRunLock } = require(${JSON.stringify(path.join(ROOT, 'lib', 'io', 'lock.ts'))});
    const dir = ${JSON.stringify(dir)};
    const stop = stopOnSignals();
    (async () => { ${body} })();
    console.log('ready');
    setTimeout(() => {}, 20000);`;
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', '-e', src], { cwd: ROOT });
    let out = '';
    let sent = false;
    c.stdout.on('data', (d) => {
      out += d;
      if (!sent && out.includes('ready')) {
        sent = true;
        signals.forEach((s, i) => setTimeout(() => c.kill(s), 300 + gapMs * i));
      }
    });
    c.stderr.on('data', (d) => (out += d));
    c.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

test('a listener gets the abort with the signal name as reason and the program goes on', async () => {
  const dir = tempDir();
  const r = await child(`
    acquireRunLock(dir);
    stop.signal.addEventListener('abort', () => { console.log('stopping', stop.signal.reason); setTimeout(() => process.exit(0), 50); });`, dir, ['SIGTERM']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /stopping SIGTERM/);
});

test('a signal nothing listens for: locks released and exit 143; holding none, the signal ends the program', async () => {
  const dir = tempDir();
  const held = await child('acquireRunLock(dir);', dir, ['SIGTERM']);
  assert.equal(held.code, 143, held.out);
  assert.ok(!fs.existsSync(path.join(dir, '.lock')), 'the lock is released');
  const none = await child('', dir, ['SIGHUP']);
  assert.equal(none.signal, 'SIGHUP', none.out);
});

test('a second signal ends the program at once (130 for Ctrl-C), its locks released', async () => {
  const dir = tempDir();
  const r = await child(`
    acquireRunLock(dir);
    stop.signal.addEventListener('abort', () => console.log('first'));`, dir, ['SIGINT', 'SIGINT'], DUPLICATE_MS + 500);
  assert.equal(r.code, 130, r.out);
  assert.match(r.out, /first/);
  assert.ok(!fs.existsSync(path.join(dir, '.lock')), 'the lock is released');
});

test('a signal right after the first is its duplicate (one Ctrl-C under npm run reaches node twice): the stop goes on', async () => {
  const dir = tempDir();
  const r = await child(`
    acquireRunLock(dir);
    stop.signal.addEventListener('abort', () => { console.log('stopping', stop.signal.reason); setTimeout(() => { console.log('checkpoint saved'); process.exit(0); }, 400); });`, dir, ['SIGINT', 'SIGINT'], 20);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /stopping SIGINT[\s\S]*checkpoint saved/);
});
