/**
 * Values a notebook records for whoever runs or compares it, in scrapbook's format (so Python's
 * scrapbook can read them too): a display output of MIME type
 * `application/scrapbook.scrap.json+json` holding {name, data, encoder: 'json', version: 1}.
 * The runner reads `run_dir` to put the executed notebook into the run directory.
 */
import { Notebook } from './nbformat';
import { displayBundle } from './tslab';

export const SCRAP_MIME = 'application/scrapbook.scrap.json+json';

/** The scrap holding the run directory a notebook produced (the runner writes the notebook there). */
export const RUN_DIR_SCRAP = 'run_dir';

/** Records `value` (JSON-serialisable) under `name` in the running notebook, invisibly. */
export function glue(name: string, value: unknown): void {
  if (!/^[A-Za-z_][\w.-]*$/.test(name)) throw new Error(`glue: scrap name "${name}" must start with a letter or _ and hold only letters, digits, _ . -`);
  const data = JSON.parse(JSON.stringify(value ?? null)) as unknown;
  displayBundle({ [SCRAP_MIME]: { name, data, encoder: 'json', version: 1 } }, { scrapbook: { name, data: true, display: false } });
}

/** Every scrap recorded in an executed notebook, by name (a later glue of a name wins). */
export function readScraps(nb: Notebook): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    for (const o of cell.outputs) {
      if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') continue;
      const s = o.data[SCRAP_MIME] as { name?: unknown; data?: unknown } | undefined;
      if (s && typeof s.name === 'string') out[s.name] = s.data;
    }
  }
  return out;
}
