/** Datasets: FER2013 (csv or image folders), CelebA (aligned), single images, grayscale, batching. */
export * from './types';
export { loadFer2013, resolveFer2013 } from './fer2013';
export { USAGES, FER2013_SPLITS, type Fer2013Options, type Fer2013Split, type Usage } from './fer2013-options';
export { loadCelebA, readIdentities, resolveCelebA, CELEBA_METHOD, type CelebAOptions } from './celeba';
export { toGrayscale, luma601, rgbToLuma, lumaToRgb } from './grayscale';
export { loadImageFile, prepareImage, convertChannels, type ImageFileOptions } from './image-file';
export { decodeImage, readImageInfo, ImageDecodeError, type DecodedImage, type ImageInfo } from './decode';
export { resizeShortSideCenterCrop, resizeBilinearAA, shortSideSize } from './resize';
export { BatchStream, type Batch, type BatchStreamOptions, type BatchStreamState } from './batches';
export { formatSkips } from './skips';
export { SAMPLE_DATA_DIR, SAMPLE_FER2013_DIR, SAMPLE_CELEBA_DIR } from './sample';
