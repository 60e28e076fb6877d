/** The photo pipeline (browser-safe): detect -> align -> edit -> paste back. See edit-photo.ts. */
export * from './types';
export * from './exif';
export * from './pixels';
export * from './transform';
export * from './template';
export * from './align';
export * from './paste';
export * from './editor';
export * from './edit-photo';
export * from './human-detector';
export { ALIGN_POINTS, ALIGN_INDICES, FACE_OVAL } from './landmarks';
