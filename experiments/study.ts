/**
 * The study campaign (`npm run study`): the nine runs of the study, each in its own run folder
 * `<out>/<experiment>/`: experiment 1 (CelebA colour, 25 epochs), experiment 3 (the same CelebA
 * images in grayscale, 25 epochs) and experiment 2 (one DCGAN per FER2013 emotion, 50 epochs each).
 */
import type { CampaignSpec } from '../lib/runs/spec-types';
import { EMOTIONS } from '../lib/data/types';

export const studyCampaign: CampaignSpec = {
  name: 'study',
  description: 'The study\'s nine runs: celeba, celeba-gray and the seven fer-<emotion> models',
  runs: ['celeba', 'celeba-gray', ...EMOTIONS.map((e) => `fer-${e}`)],
  // metrics.json after each run: 2000 samples and 2000 real images per set at the study's settings
  // (capped at half the real images where the data has fewer), as `npm run experiment` otherwise
  evalN: { paper: 2000, default: 1000 },
  export: { samples: 256, samplesPerRow: 16, gap: 2, seed: 256, stripEpochs: 12, stripSamples: 8 },
  // executed by `npm run study -- --export DEST --notebooks` over the finished runs (nothing retrained)
  notebooks: [
    { notebook: 'notebooks/01-celeba.ipynb', params: { run_dir: '{out}/celeba' }, needs: ['celeba'] },
    // over the exported reference, so that runs trained in different sessions or on different machines
    // (each exported as it finished) are shown together
    { notebook: 'notebooks/02-fer-per-emotion.ipynb', params: { runs_root: '{export}' }, needs: EMOTIONS.map((e) => `fer-${e}`) },
    { notebook: 'notebooks/03-grayscale-vs-color.ipynb', params: { runs_root: '{out}' }, needs: ['celeba', 'celeba-gray'] },
    {
      notebook: 'notebooks/04-compare-results.ipynb',
      // over the exported reference: every run of the campaign exported so far (from any machine)
      params: { results_dir: '{export}', presets: 'paper', out_dir: '{tmp}' },
      needs: ['celeba', 'celeba-gray', ...EMOTIONS.map((e) => `fer-${e}`)],
    },
  ],
};
