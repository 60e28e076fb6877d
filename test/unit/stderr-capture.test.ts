/**
 * lib/native/stderr-capture.ts: descriptor 2 swapped for a temporary file around native code and put
 * back (in child processes, each with stderr on a pipe, a file opened with >> or with >), and the
 * filter that keeps the log lines TF_CPP_MIN_LOG_LEVEL lets through.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tfLogLines } from '../../lib/native/stderr-capture';
import { tempDir } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');

// What libtensorflow 2.21 printed at load here (FACEGAN_TF_LOG=1), plus an error and a warning.
const HEADER = 'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR';
const INFO = 'I0000 00:00:1796566008.800020   12041 port.cc:153] oneDNN custom operations are on. To turn them off, set `TF_ENABLE_ONEDNN_OPTS=0`.';
const INFO2 = 'I0000 00:00:1796566008.847445   12041 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions.';
const INFO2_MORE = 'To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.';
const WARN = 'W1206 12:00:01.000001   12041 port.cc:140] TF_ENABLE_ONEDNN_OPTS is not set to either 0 or 1.';
const ERR = 'E1206 12:00:01.000002   12041 loader.cc:12] something failed';
const LOAD = [HEADER, INFO, INFO2, INFO2_MORE, WARN, ERR, ''].join('\n');

test('tfLogLines keeps the messages at or above TF_CPP_MIN_LOG_LEVEL, with their extra lines; absl\'s header only at 0', () => {
  assert.equal(tfLogLines(LOAD, 0), LOAD);
  assert.equal(tfLogLines(LOAD, 1), [WARN, ERR, ''].join('\n'));
  assert.equal(tfLogLines(LOAD, 2), [ERR, ''].join('\n'));
  assert.equal(tfLogLines(LOAD, 3), '');
  // The oneDNN note alone, as printed by default: nothing is left at level 2.
  assert.equal(tfLogLines([HEADER, INFO, ''].join('\n'), 2).trim(), '');
  // Text that is not a log line, before any message, stays.
  assert.equal(tfLogLines(['dlopen: libfoo.so: cannot open', INFO, ''].join('\n'), 2), 'dlopen: libfoo.so: cannot open');
});

/** Runs a child that writes around and inside captureStderr; stderr goes where `redirect` (sh) says. */
const CHILD = (throwInside: boolean) => `
    const fs = require('fs');
    const { captureStderr } = require(${JSON.stringify(path.join(ROOT, 'lib', 'native', 'stderr-capture.ts'))});
    process.stderr.write('before\\n');
    let r;
    try {
      r = captureStderr(() => { fs.writeSync(2, 'inside\\n'); if (${throwInside}) throw new Error('boom'); return 42; });
    } catch (e) {
      r = { error: e.message, capturedStderr: e.capturedStderr };
    }
    process.stderr.write('after\\n');
    console.log('RESULT ' + JSON.stringify(r));`;

/** CHILD written to a file of its own. */
function childScript(throwInside: boolean): string {
  const script = path.join(tempDir('facegan-capture-'), 'child.js');
  fs.writeFileSync(script, CHILD(throwInside));
  return script;
}

function captureChild(redirect: string, throwInside = false): { stdout: string; stderr: string; status: number | null } {
  const script = childScript(throwInside);
  const r = spawnSync('sh', ['-c', `exec "$0" --import tsx "$1" ${redirect}`, process.execPath, script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const result = (out: string) => JSON.parse(out.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7));
const linux = process.platform === 'linux';

test('stderr on a pipe (sh |): what native code writes inside is captured, stderr works before and after', () => {
  const r = captureChild('2>&1 | cat');
  assert.equal(r.status, 0, r.stderr);
  if (!linux) return assert.match(result(r.stdout).why, /not Linux/);
  assert.equal(r.stdout, 'before\nafter\nRESULT {"value":42,"captured":"inside\\n"}\n');
});

test('a throwing function: stderr is restored and the error carries what was captured', () => {
  const r = captureChild('2>&1 | cat', true);
  assert.equal(r.status, 0, r.stderr);
  const err = linux ? '{"error":"boom","capturedStderr":"inside\\n"}' : '{"error":"boom"}';
  assert.equal(r.stdout, `before\n${linux ? '' : 'inside\n'}after\nRESULT ${err}\n`);
});

test('a file opened with >> is captured too; one opened with > (shared offset) is left alone, nothing lost', () => {
  const dir = tempDir('facegan-capture-');
  const appended = path.join(dir, 'appended.log');
  fs.writeFileSync(appended, 'earlier\n');
  let r = captureChild(`>> '${appended}' 2>&1`);
  assert.equal(r.status, 0);
  if (linux) assert.equal(fs.readFileSync(appended, 'utf8'), 'earlier\nbefore\nafter\nRESULT {"value":42,"captured":"inside\\n"}\n');
  const truncated = path.join(dir, 'truncated.log');
  r = captureChild(`> '${truncated}' 2>&1`);
  assert.equal(r.status, 0);
  // Every line in order: stdout (RESULT) and stderr share the file, and none overwrote another.
  assert.match(fs.readFileSync(truncated, 'utf8'), /^before\ninside\nafter\nRESULT \{"value":42,"captured":null,"why":"[^"]+"\}\n$/);
  if (linux) assert.match(fs.readFileSync(truncated, 'utf8'), /regular file opened without O_APPEND/);
});

test('a socket (a Node parent\'s stdio pipe) is left alone: the text goes to stderr as written', () => {
  const r = captureChild('');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, 'before\ninside\nafter\n');
  assert.match(result(r.stdout).why, linux ? /socket/ : /not Linux/);
});

test('a terminal (script(1), from util-linux, gives the child a pty): captured, and stderr works after', () => {
  const child = childScript(false);
  const r = spawnSync('script', ['-qec', `"${process.execPath}" --import tsx "${child}"`, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const got = linux ? '{"value":42,"captured":"inside\\n"}' : '{"value":42,"captured":null,"why":"not Linux (darwin)"}';
  assert.equal(r.stdout.replace(/\r\n/g, '\n'), `before\n${linux ? '' : 'inside\n'}after\nRESULT ${got}\n`);
});
