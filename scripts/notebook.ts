/**
 * npm run notebook -- <notebook.ipynb> [-p name value ...] [-f params.json|yaml] [-o out.ipynb]
 * Runs a tslab notebook headlessly with papermill semantics (see lib/notebook/runner/args.ts for all
 * options) and prints where the executed notebook was written as the last line of stdout.
 */
import { NOTEBOOK_USAGE, parseNotebookArgs } from '../lib/notebook/runner/args';
import { EXIT_INTERRUPTED, runNotebook } from '../lib/notebook/runner/run';
import { readNotebook } from '../lib/notebook/runner/nbformat';
import { notebookParameters } from '../lib/notebook/runner/inject';
import { validateNotebook } from '../lib/notebook/runner/validate';
import { stopOnSignals, warnUnhandledRejections } from '../tools/cli/stop';

async function main(): Promise<number> {
  const args = parseNotebookArgs(process.argv.slice(2));
  if (args.help) {
    console.log(NOTEBOOK_USAGE);
    return 0;
  }
  if (!args.input) throw new Error(`no notebook given\n${NOTEBOOK_USAGE}`);
  if (args.helpNotebook) {
    const params = notebookParameters(readNotebook(args.input));
    if (params.length === 0) console.log(`${args.input} has no cell tagged "parameters"`);
    for (const p of params) {
      console.log(`  ${p.name}: ${p.type ?? 'inferred'} (default ${p.initializer ?? 'none'})${p.help ? `  ${p.help}` : ''}`);
    }
    return 0;
  }
  // Ctrl-C: the first stops after the running cell, the second writes the partial notebook and exits 130
  const now = new AbortController();
  const stop = stopOnSignals({ signals: ['SIGINT'], onSecond: () => now.abort('SIGINT') });
  const unwarn = warnUnhandledRejections();
  const r = await runNotebook({
    input: args.input,
    params: args.params,
    output: args.output,
    prepareOnly: args.prepareOnly,
    allowUnknown: args.allowUnknown,
    cwd: args.cwd,
    logOutput: args.logOutput,
    graceMs: args.graceMs,
    signal: stop.signal,
    stopNow: now.signal,
  }).finally(() => (stop.release(), unwarn()));
  const problems = validateNotebook(r.nb);
  if (problems.length) {
    process.stderr.write(`warning: ${r.outputPath} does not validate as nbformat 4.5: ${problems.slice(0, 3).map((p) => `${p.path}: ${p.message}`).join('; ')}\n`);
  }
  if (r.status === 'failed') {
    process.stderr.write(`\nerror: In [${r.failedCell ?? '?'}] failed: ${r.error?.ename}: ${r.error?.evalue}\npartial notebook: ${r.outputPath}\n`);
  } else if (r.status === 'interrupted') {
    process.stderr.write(`\ninterrupted: partial notebook: ${r.outputPath}\n`);
  } else if (r.status === 'prepared') {
    process.stderr.write(`parameters injected (not executed): ${r.outputPath}\n`);
  } else {
    const secs = (r.nb.metadata.papermill as { duration?: number }).duration;
    process.stderr.write(`completed in ${secs?.toFixed(1)} s\n`);
  }
  console.log(r.outputPath);
  return r.status === 'failed' ? 1 : r.status === 'interrupted' ? EXIT_INTERRUPTED : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`\nerror: ${e.message}\n`);
    if (process.env.FACEGAN_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  },
);
