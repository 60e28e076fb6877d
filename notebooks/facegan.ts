/**
 * For notebooks written before the API became the package `facegan`: `import fg from './facegan';`
 * still works in this folder. New notebooks write `import fg from 'facegan';` (notebooks/api/facegan.d.ts),
 * which also resolves from run folders and copies elsewhere (lib/notebook/runner/link.ts).
 */
import fg from 'facegan';
export default fg;
