/**
 * Compile-time check (no runtime use): the notebook API (api.ts) satisfies its declaration
 * (facegan.d.ts), so `npm run typecheck` fails when one changes without the other.
 */
import * as api from './api';
import type { FaceganNotebook } from './facegan';

export const notebookApi: FaceganNotebook = api;
