/**
 * Compile-time check (no runtime use): the notebook API (api.ts) has the type its generated
 * declaration (facegan.d.ts, `npm run api:types`) gives the package's default export, so `npm run
 * typecheck` fails at once when they disagree; test/unit/api-types.test.ts fails when the
 * declaration is not the one the sources generate (classes included).
 *
 * The classes are left out here: a class with private members is nominal in TypeScript, so its
 * declared copy in the bundle is never the same type as the original.
 */
import * as api from './api';
import type fg from './facegan';

type Classes = 'LiveDisplay' | 'LiveTraining';
type DataClasses = 'BatchStream' | 'ImageDecodeError';

export const notebookApi: Omit<typeof fg, Classes | 'data'> & { data: Omit<typeof fg.data, DataClasses> } = api;
