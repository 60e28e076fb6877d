/**
 * npm run edit -- PHOTO --to EXPRESSION [--out FILE] [--strength S] [--face N]
 * npm run edit -- --in DIR --to all --out OUTDIR
 * npm run edit -- IMAGE --crop [--to ... | --all]          (the 48x48 view)
 * npm run edit -- IMAGE --method invert --run RUN_DIR      (inversion into a conditional DCGAN)
 *
 * Changes the expression of the faces in a photo: found, aligned, edited by the expression
 * translator (the shipped one in models/fer-translate/, or --run/--model) and pasted back in
 * colour at the photo's full size (lib/photo). See USAGE in scripts/cli/edit-usage.ts.
 * Relative paths are taken from the folder the command was run in (npm itself runs scripts from
 * the project's folder and passes the caller's folder as INIT_CWD).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, stringOption, runMain } from '../tools/cli/args';
import { isTranslatorRunDir } from '../lib/edit/translator-model';
import { USAGE } from './cli/edit-usage';
import { photoMain } from './cli/edit-photo';
import { cropMain, invertMain } from './cli/edit-crop';

runMain(async () => {
  const cmd = 'edit';
  if (process.env.npm_lifecycle_event === 'edit' && process.env.INIT_CWD && fs.existsSync(process.env.INIT_CWD)) process.chdir(process.env.INIT_CWD);
  const args = parseArgs(process.argv.slice(2), {
    flags: ['all', 'help', 'crop', 'overwrite', 'skip-existing'],
    options: ['run', 'to', 'from', 'out', 'in', 'model', 'method', 'steps', 'tune', 'reference', 'seed', 'backend', 'strength', 'face', 'quality', 'smooth'],
  }, cmd);
  if (args.options.help) return void console.log(USAGE);
  const runDir = stringOption(args, 'run');
  if (runDir && !fs.existsSync(path.join(runDir, 'config.json'))) throw new Error(`${cmd}: --run ${runDir} is not a run directory (config.json is missing)`);
  const method = stringOption(args, 'method') ?? (runDir && !isTranslatorRunDir(runDir) ? 'invert' : 'translate');
  if (method !== 'translate' && method !== 'invert') throw new Error(`${cmd}: --method must be translate or invert, got "${method}"`);
  if (stringOption(args, 'to') && args.options.all) throw new Error(`${cmd}: give --to EXPRESSION or --all, not both`);
  if (method === 'invert') return invertMain(args, cmd);
  for (const o of ['steps', 'tune', 'reference', 'seed']) {
    if (args.options[o] !== undefined) throw new Error(`${cmd}: --${o} belongs to the inversion method (--method invert --run <a fer-conditional run>)`);
  }
  if (args.options.crop || args.options.all) {
    for (const o of ['strength', 'face', 'quality', 'smooth', 'overwrite', 'skip-existing']) {
      if (args.options[o] !== undefined) throw new Error(`${cmd}: --${o} is for photos at full size, not --crop`);
    }
    return cropMain(args, cmd, runDir);
  }
  return photoMain(args, cmd, runDir);
});
