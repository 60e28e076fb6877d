/**
 * The facegan library for these notebooks: `import fg from './facegan';` in a notebook's first
 * cell, then `fg.train(...)`, `fg.showEpochs(...)`, ... (see lib/notebook/api.ts for all of it).
 *
 * Why a loader rather than `import ... from '../lib/...'`: tslab compiles cells with its own
 * TypeScript and only files below the kernel's folder (this one), and the library is TypeScript
 * meant for tsx. So the library is loaded at run time, through tsx, registered here unless the
 * process already runs under it (the headless runner does; the JupyterLab kernel does not).
 */
declare const require: { (id: string): unknown; extensions: Record<string, unknown> };
if (!require.extensions['.ts']) require('tsx/cjs');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fg: any = require('../lib/notebook/api');
export default fg;
