#!/usr/bin/env node
/**
 * The import graph of lib/ (and of scripts/, test/ into lib/), from the source text: every
 * `import ... from '<relative>'`, `export ... from`, `import('<relative>')` and `require('<relative>')`.
 * Prints the folder-to-folder edges of lib/, then the checks of docs/architecture.md:
 *   - import cycles between lib files (type-only imports included),
 *   - import cycles between lib's folders (layers point one way: a folder never imports, directly
 *     or through others, a folder that imports it),
 *   - lib files that import experiments/ or scripts/,
 *   - lib files that read process.argv,
 *   - lib files that exit the process or handle its events (process.exit, process.on/once and the
 *     other listener calls, process.emit): signal handlers, counting listeners, re-emitting signals
 *     and exiting belong to the programs (scripts/, tools/cli/stop.ts), which pass an AbortSignal down
 *     (checked on the source text, comments included, as `grep -rn "process.exit\|process.on(\|process.once(" lib` would),
 *   - require() of a computed path (not a string literal) in lib/, except the few in
 *     ALLOWED_REQUIRES that load npm packages or bootstrap a worker thread.
 * Exit status 1 when any check fails.
 *   node scripts/import-graph.js            edges and checks
 *   node scripts/import-graph.js --files    also every file-level edge
 */
const fs = require('fs');
const path = require('path');
const { parseArgs } = require('util');

const cli = parseArgs({ options: { files: { type: 'boolean' } } }).values;

const root = path.resolve(__dirname, '..');
const exts = ['.ts', '.tsx', '.js'];

function walk(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (exts.includes(path.extname(e.name)) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Strips comments (so a commented-out import is no edge), keeping strings. */
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function resolveImport(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, ...exts.map((x) => base + x), ...exts.map((x) => path.join(base, 'index' + x))]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

const rel = (p) => path.relative(root, p).split(path.sep).join('/');
/**
 * Computed require()s that load no project file: optional npm packages chosen at run time, and
 * the bootstrap source of a worker thread (tsx's loader, then the worker file, run by new Worker).
 */
const ALLOWED_REQUIRES = new Set([
  'lib/backend.ts: require(pkg',
  'lib/native/probe-child.ts: require(pkg',
  'lib/data/decode-pool.ts: require(${JSON.stringify(tsx',
  'lib/data/decode-pool.ts: require(${JSON.stringify(file',
  "lib/edit/human-node.ts: require(path.join(dir, 'dist', 'human.node-wasm.js'",
]);
/** Folders that must run in a browser too (web/ bundles them): no Node built-in, in them or anything they import. */
const BROWSER_SAFE = ['lib/photo'];
const NODE_BUILTIN = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)(['"])(node:[^'"]+|fs|path|os|child_process|worker_threads|crypto|zlib|util|stream|http|https|net)\1/g;
const nodeUses = new Map(); // file -> list of Node built-ins (and process.) it uses
const libFiles = walk(path.join(root, 'lib'));
const edges = new Map(); // file -> Set(file)
const problems = { cycles: [], upward: [], argv: [], processEvents: [], computedRequire: [] };
const PROCESS_EVENTS = /process\.(exit|on|once|addListener|prependListener|prependOnceListener|listenerCount|emit)\s*\(/;

for (const f of libFiles) {
  const raw = fs.readFileSync(f, 'utf8');
  const src = stripComments(raw);
  const ev = PROCESS_EVENTS.exec(raw);
  if (ev) problems.processEvents.push(`${rel(f)}:${raw.slice(0, ev.index).split('\n').length}: ${ev[0]}`);
  const deps = new Set();
  const re = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;
  let m;
  while ((m = re.exec(src))) {
    const target = resolveImport(f, m[2]);
    if (!target) continue;
    const r = rel(target);
    if (!r.startsWith('lib/')) problems.upward.push(`${rel(f)} -> ${r}`);
    else deps.add(target);
  }
  if (/process\.argv/.test(src)) problems.argv.push(rel(f));
  const uses = [];
  let b;
  while ((b = NODE_BUILTIN.exec(src))) uses.push(b[2]);
  if (/\bprocess\./.test(src)) uses.push('process');
  if (/\b(__dirname|__filename)\b/.test(src)) uses.push('__dirname');
  nodeUses.set(f, uses);
  const req = /require\s*\(\s*([^)'"`\s][^)]*)\)/g;
  while ((m = req.exec(src))) {
    const what = `${rel(f)}: require(${m[1].trim()}`;
    if (!ALLOWED_REQUIRES.has(what)) problems.computedRequire.push(what + ')');
  }
  edges.set(f, deps);
}

/** Strongly connected components of a graph (Map node -> Set of nodes), each a list of nodes. */
function components(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  function strong(v) {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      out.push(comp);
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

// File cycles: strongly connected components with more than one file (or a self-import).
for (const comp of components(edges)) {
  if (comp.length > 1 || (edges.get(comp[0]) ?? new Set()).has(comp[0])) problems.cycles.push(comp.map(rel).sort().join(' <-> '));
}

const folder = (f) => {
  const parts = rel(f).split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts[0] + '/' + '(top)';
};
const folderEdges = new Map();
for (const [f, deps] of edges) {
  for (const d of deps) {
    if (folder(f) === folder(d)) continue;
    const k = `${folder(f)} -> ${folder(d)}`;
    folderEdges.set(k, (folderEdges.get(k) ?? 0) + 1);
  }
}
// Folder-level cycles: groups of folders that reach each other through imports (a pair that imports
// each other, or a longer circle), the strongly connected components of the folder graph.
const folderGraph = new Map();
for (const k of folderEdges.keys()) {
  const [a, b] = k.split(' -> ');
  if (!folderGraph.has(a)) folderGraph.set(a, new Set());
  folderGraph.get(a).add(b);
}
const folderCycles = components(folderGraph).filter((c) => c.length > 1).map((c) => c.sort().join(' <-> '));

console.log(`lib/: ${libFiles.length} files, ${[...edges.values()].reduce((a, s) => a + s.size, 0)} imports between them`);
console.log('\nfolder -> folder (number of file imports):');
for (const k of [...folderEdges.keys()].sort()) console.log(`  ${k} (${folderEdges.get(k)})`);
if (cli.files) {
  console.log('\nfile -> file:');
  for (const [f, deps] of [...edges].sort()) for (const d of [...deps].sort()) console.log(`  ${rel(f)} -> ${rel(d)}`);
}
// Browser-safe folders: every file they reach through imports is free of Node built-ins.
const browserProblems = [];
for (const start of libFiles.filter((f) => BROWSER_SAFE.some((d) => rel(f).startsWith(d + '/')))) {
  const seen = new Set([start]);
  const todo = [start];
  while (todo.length) {
    const f = todo.pop();
    for (const u of nodeUses.get(f) ?? []) browserProblems.push(`${rel(start)}${f === start ? '' : ` (through ${rel(f)})`} uses ${u}`);
    for (const d of edges.get(f) ?? []) if (!seen.has(d)) { seen.add(d); todo.push(d); }
  }
}
problems.browser = [...new Set(browserProblems)];
const report = (title, list) => console.log(`\n${title}: ${list.length ? '\n  ' + list.join('\n  ') : 'none'}`);
report('file import cycles', problems.cycles);
report('folders importing each other', folderCycles);
report('lib files importing outside lib/ (experiments/, scripts/, tools/)', problems.upward);
report('lib files reading process.argv', problems.argv);
report('lib files exiting or handling process events (process.exit, process.on, ...)', problems.processEvents);
report('require() of a computed path in lib/', problems.computedRequire);
report(`Node built-ins reached from the browser-safe ${BROWSER_SAFE.join(', ')}`, problems.browser);
const failed = problems.browser.length + problems.cycles.length + folderCycles.length + problems.upward.length + problems.argv.length + problems.processEvents.length + problems.computedRequire.length;
process.exit(failed ? 1 : 0);
