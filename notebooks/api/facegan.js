/**
 * The `facegan` package entry (package.json "main"; types in facegan.d.ts): the notebook API of
 * notebooks/api/api.ts, for `import fg from 'facegan';` in a notebook cell. Plain JavaScript so
 * that a JupyterLab kernel (tslab, not running under tsx) can load it: it registers tsx for the
 * TypeScript library first unless the process already runs under it (the headless runner does).
 */
'use strict';
if (!require.extensions['.ts']) require('tsx/cjs');
Object.defineProperty(exports, '__esModule', { value: true });
exports.default = require('./api');
