/** Paths of the small bundled sample (data/sample/, made by scripts/make-sample.ts). */
import * as path from 'path';

/** data/sample/ of this repository. */
export const SAMPLE_DATA_DIR = path.resolve(__dirname, '..', '..', 'data', 'sample');
/** The bundled FER2013 sample: train|test/<emotion>/*.jpg (100 train + 20 test per emotion). */
export const SAMPLE_FER2013_DIR = path.join(SAMPLE_DATA_DIR, 'fer2013');
/** The bundled CelebA sample: img_align_celeba/*.jpg (300 images) + identity_CelebA_subset.txt. */
export const SAMPLE_CELEBA_DIR = path.join(SAMPLE_DATA_DIR, 'celeba');
