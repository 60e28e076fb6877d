import * as path from 'path';
import { DEFAULT_TRANSLATOR_DIR } from '../../lib/runs/translate-config';

export const USAGE = `usage: npm run edit -- PHOTO --to EXPRESSION [--out FILE]   (a photo, any size: every face edited, pasted back)
       npm run edit -- --in DIR --to all --out OUTDIR           (every photo below DIR)
  PHOTO           a JPEG or PNG photo: faces are found, aligned, edited and pasted back in colour at full size
                  (EXIF orientation applied; transparent pixels become white)
  --to EXPRESSIONS  one of angry, disgust, fear, happy, sad, surprise, neutral; a comma-separated list; or "all"
  --out PATH      one PHOTO and one expression: the output file (its extension, .jpg or .png, sets the format;
                  default ./edited/<name>-<expression>.<input's extension>); several expressions: a folder
                  (default ./edited/) that gets <name>-<expression>.<ext>; --in: the output folder (required)
  --strength S    how much of the edit to apply, 0..1.5 (default 1: the translator's calibrated edit; 0 returns the photo unchanged)
  --smooth N      passes of a [1 2 1] blur over the translator's change before it is pasted (default: 2 for a
                  transposed-convolution decoder, whose checkerboard it removes, as the shipped v1; 0 for v2's resize-conv)
  --face N        edit only face N (0 = the largest; faces are numbered largest first); default every face
  --from EXPR     the faces' current expression (default: the translator's own reconstruction decides)
  --quality Q     JPEG quality 1..100 (default 92)
  --in DIR        batch mode: OUTDIR/<expression>/<same relative path and name> for every photo below DIR,
                  OUTDIR/report.csv (one row per face and expression) and OUTDIR/skipped.csv
  --overwrite     batch: replace existing output files (default: refuse)
  --skip-existing batch: leave photos whose outputs exist (continue an interrupted batch)
  --crop          the 48x48 view instead: the photo centre-cropped to the translator's input, edited, written
                  at 48x48 (FER2013 faces as they are; with several expressions a before/after strip)
  --all           with --crop: every expression, as a strip
  --run RUN_DIR   a trained run instead of the shipped translator (${path.relative(process.cwd(), DEFAULT_TRANSLATOR_DIR) || DEFAULT_TRANSLATOR_DIR}):
                  a fer-translate run, or a fer-conditional run (inversion method, 48x48)
  --model DIR     an installed translator folder (model.json + translator.json)
  --method M      translate (default) | invert (needs --run with a class-conditional run; 48x48)
  inversion only: --steps N (300)  --tune N (0)  --reference N (32)  --seed S (0)
  --backend B     node-gpu | node | wasm | cpu
Relative paths are taken from the folder you run the command in.
Exit status: 0 done; 1 error; 2 no face found (batch: some photos skipped, listed in skipped.csv).`;
