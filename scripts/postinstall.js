#!/usr/bin/env node
/**
 * npm postinstall (runs on every `npm ci` / `npm install`): links node_modules/facegan to the
 * project (the package name notebooks import), then a best-effort native TensorFlow setup.
 *
 * Runs `scripts/setup-native.ts --postinstall` (see docs/native.md), which prints one line saying
 * what happened and how to retry. Plain JS on purpose, and it never exits non-zero: a failed native
 * setup must not break the install, since the pure-JS backend always works.
 * Set FACEGAN_SKIP_NATIVE=1 to skip it.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const retry = 'run `npm run setup:native` to set it up';

function main() {
  if (process.env.FACEGAN_SKIP_NATIVE === '1') {
    return `facegan native: skipped (FACEGAN_SKIP_NATIVE=1); ${retry}.`;
  }
  if (!fs.existsSync(path.join(root, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'))) {
    return `facegan native: @tensorflow/tfjs-node not installed (optional dependency); using the pure-JS backend.`;
  }
  if (!fs.existsSync(path.join(root, 'node_modules', 'tsx', 'package.json'))) {
    return `facegan native: skipped (tsx not installed yet); ${retry}.`;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('scripts', 'setup-native.ts'), '--postinstall'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20 * 60 * 1000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = (r.stdout || '').split('\n').reverse().find((l) => l.startsWith('facegan native:'));
  if (line) return line;
  const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`;
  const err = (r.stderr || '').trim().split('\n').pop() || '';
  return `facegan native: setup did not finish (${why}${err ? `: ${err}` : ''}); using the pure-JS backend; ${retry}.`;
}

/**
 * node_modules/facegan -> .. : notebooks import the project as the package `facegan` (its
 * "main"/"types": notebooks/api/facegan.js/.d.ts), resolved from any folder inside the project.
 */
function linkPackage() {
  const link = path.join(root, 'node_modules', 'facegan');
  try {
    if (fs.existsSync(path.join(link, 'package.json'))) return;
    fs.rmSync(link, { force: true, recursive: false });
    fs.symlinkSync('..', link, 'dir');
  } catch (e) {
    console.log(`facegan: could not link node_modules/facegan (${e && e.message}); notebooks that import 'facegan' need it: ln -s .. node_modules/facegan`);
  }
}
linkPackage();

let msg;
try {
  msg = main();
} catch (e) {
  msg = `facegan native: setup failed (${e && e.message}); using the pure-JS backend; ${retry}.`;
}
console.log(msg);
process.exitCode = 0;
