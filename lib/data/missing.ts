/** Errors for a dataset path that does not exist or holds no dataset: say where to get it and where to put it. */

/** Where to get FER2013 and how to point facegan at it. */
export function fer2013Missing(path: string, problem: string): Error {
  return new Error(
    `FER2013 not found at "${path}": ${problem}.\n` +
      'Get it from Kaggle, either the original csv from the competition ' +
      '"challenges-in-representation-learning-facial-expression-recognition-challenge" ' +
      '(fer2013.tar.gz -> fer2013/fer2013.csv with columns emotion,pixels,Usage), or the image-folder ' +
      'version (train/<emotion>/*.jpg and test/<emotion>/*.jpg, 48x48 grayscale, e.g. Kaggle "msambare/fer2013").\n' +
      'Put fer2013.csv, or the train/ and test/ folders, in a folder such as data/fer2013/ and pass that folder ' +
      '(or the csv file) with --data DIR (or $FACEGAN_FER2013; in code loadFer2013({path})). ' +
      'The bundled sample is in data/sample/fer2013.',
  );
}

/** Where to get CelebA (aligned) and how to point facegan at it. */
export function celebaMissing(path: string, problem: string): Error {
  return new Error(
    `CelebA not found at "${path}": ${problem}.\n` +
      'Get "Align&Cropped Images" (img_align_celeba.zip, 202,599 JPEGs of 178x218) from the CelebA project page ' +
      'https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html (non-commercial research use only).\n' +
      'Unzip it so that the JPEGs are in <DIR>/img_align_celeba/*.jpg (optionally with identity_CelebA.txt next to ' +
      'img_align_celeba/) and pass <DIR> with --data DIR (or $FACEGAN_CELEBA; in code loadCelebA({path})). ' +
      'The bundled sample is in data/sample/celeba.',
  );
}
