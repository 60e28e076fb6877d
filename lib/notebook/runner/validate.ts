/**
 * Validating a notebook against the official nbformat 4.5 JSON schema, vendored from Python's
 * nbformat 5.11 (`nbformat/v4/nbformat.v4.5.schema.json`, BSD-3-Clause, Project Jupyter). The
 * schema is draft-04, checked by ajv (`ajv-draft-04`, the draft-04 build of ajv). Cell ids must
 * also be unique, as nbformat's own validator requires (no JSON schema can say that).
 *
 * What is ours is only the report: ajv lists the failures of every alternative of a `oneOf` (a
 * code cell missing `execution_count` also fails as a raw and a markdown cell). Like nbformat's
 * `best_match`, the report keeps one alternative: each is validated again on its own, and the one
 * of the right kind (its tag, `cell_type` or `output_type`, and its own type match) with the fewest
 * problems explains the failure, recursively for nested oneOfs (a cell's outputs); when none is of
 * the right kind, one line says what the kinds are.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';

type Schema = Record<string, unknown>;

const SCHEMA_FILE = path.join(__dirname, 'nbformat.v4.5.schema.json');
/** The key the schema is registered under in ajv (the vendored file has no `id`). */
const SCHEMA_KEY = 'nbformat.v4.5';
let schemaCache: Schema | null = null;

/** The vendored nbformat 4.5 schema. */
export function nbformatSchema(): Schema {
  if (!schemaCache) schemaCache = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as Schema;
  return schemaCache;
}

/** One schema violation: where (a JSON pointer-like path) and what. */
export interface SchemaError {
  path: string;
  message: string;
}

interface Checker {
  ajv: Ajv;
  root: ValidateFunction;
  /** JSON pointer of every object inside the schema, to find a oneOf's alternatives from ajv's `parentSchema`. */
  pointers: Map<object, string>;
  branches: Map<string, ValidateFunction>;
}
let checker: Checker | null = null;

function getChecker(): Checker {
  if (checker) return checker;
  const schema = nbformatSchema();
  // allErrors: every problem, not only the first; verbose: errors carry their data and schema
  // strictSchema off: the official schema has keywords no draft knows (`item` for `items` in
  // metadata.authors, `source_hidden` beside `properties` in cell metadata), which JSON Schema and
  // Python's jsonschema ignore; ajv's strict mode would refuse the schema
  const ajv = new Ajv({ allErrors: true, verbose: true, strictSchema: false });
  ajv.addSchema(schema, SCHEMA_KEY);
  const pointers = new Map<object, string>();
  const walk = (node: unknown, at: string): void => {
    if (!node || typeof node !== 'object') return;
    pointers.set(node, at);
    for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  };
  walk(schema, '');
  checker = { ajv, root: ajv.getSchema(SCHEMA_KEY)!, pointers, branches: new Map() };
  return checker;
}

/** The validator of alternative `k` of the oneOf in the schema object at `pointer`. */
function branchValidator(c: Checker, pointer: string, k: number): ValidateFunction {
  const ref = `${SCHEMA_KEY}#${pointer}/oneOf/${k}`;
  let v = c.branches.get(ref);
  if (!v) c.branches.set(ref, (v = c.ajv.compile({ $ref: ref })));
  return v;
}

const within = (p: string, q: string): boolean => p === q || p.startsWith(`${q}/`);

/** ajv's errors of `validate` on `value`, with instance paths below `prefix`. */
function run(validate: ValidateFunction, value: unknown, prefix: string): ErrorObject[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => ({ ...e, instancePath: prefix + e.instancePath }));
}

/** Replaces each failed oneOf's errors (all alternatives) by the best alternative's, recursively. */
function explain(c: Checker, errs: ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  let i = errs.length - 1;
  // from the end: ajv pushes a oneOf's error right after those of its alternatives, so an outer
  // oneOf is met before the oneOfs nested in it (which its block of errors holds)
  while (i >= 0) {
    const e = errs[i];
    const pointer = e.keyword === 'oneOf' && e.parentSchema ? c.pointers.get(e.parentSchema) : undefined;
    if (pointer === undefined || !Array.isArray(e.schema)) {
      out.unshift(e);
      i -= 1;
      continue;
    }
    const at = e.instancePath;
    const alts = (e.schema as unknown[]).map((_, k) => run(branchValidator(c, pointer, k), e.data, at));
    const block = alts.reduce((n, a) => n + a.length, 0);
    const mine = errs.slice(i - block, i);
    if (i - block < 0 || !mine.every((m) => within(m.instancePath, at))) {
      // not laid out as expected: keep the errors as ajv gave them
      out.unshift(e);
      i -= 1;
      continue;
    }
    if (alts.every((a) => a.length > 0)) {
      const explained = alts.map((a) => explain(c, a));
      // an alternative of another kind: its tag (an enum on a direct property: cell_type,
      // output_type) or its own type (a string where an array is expected) does not match
      const kindOf = (list: ErrorObject[]) =>
        list.find((m) => (m.keyword === 'enum' && m.instancePath.slice(at.length).split('/').length === 2) || (m.keyword === 'type' && m.instancePath === at));
      const kinds = explained.map(kindOf);
      if (kinds.every((k) => k && k.keyword === kinds[0]!.keyword && k.instancePath === kinds[0]!.instancePath)) {
        // no alternative is of the right kind (a cell_type that is none of raw, markdown, code): say so once
        const k = kinds[0]!;
        const union = (f: (m: ErrorObject) => unknown) => [...new Set(kinds.flatMap((m) => f(m!)))];
        out.unshift(k.keyword === 'enum'
          ? { ...k, params: { allowedValues: union((m) => (m.params as { allowedValues: unknown[] }).allowedValues) } }
          : { ...k, params: { type: union((m) => (m.params as { type: string }).type).join(' or ') } });
      } else {
        const rank = (list: ErrorObject[]) => (kindOf(list) ? 1e9 : 0) + list.length;
        out.unshift(...explained.reduce((x, y) => (rank(y) < rank(x) ? y : x)));
      }
    } else {
      out.unshift(e); // more than one alternative passes: that is the problem
    }
    i -= block + 1;
  }
  return out;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** A message that says what was expected and what was found. */
function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required property "${p.missingProperty}"`;
    case 'additionalProperties':
      return `unexpected property "${p.additionalProperty}"`;
    case 'type':
      return `expected ${p.type}, got ${typeOf(e.data)}`;
    case 'enum':
      return `expected one of ${JSON.stringify(p.allowedValues)}, got ${JSON.stringify(e.data)}`;
    case 'pattern':
      return `${JSON.stringify(e.data)} does not match ${p.pattern}`;
    case 'oneOf':
      return Array.isArray(p.passingSchemas)
        ? `matches alternatives ${p.passingSchemas.join(' and ')} of oneOf, expected exactly one`
        : `matches no alternative of oneOf`;
    default:
      return e.message ?? e.keyword;
  }
}

/** All schema violations of `nb` (empty when it is valid nbformat 4.5), plus duplicate cell ids. */
export function validateNotebook(nb: unknown): SchemaError[] {
  const c = getChecker();
  const errors: SchemaError[] = explain(c, run(c.root, nb, '')).map((e) => ({ path: e.instancePath || '/', message: describe(e) }));
  const cells = (nb as { cells?: { id?: unknown }[] })?.cells;
  if (Array.isArray(cells)) {
    const seen = new Map<unknown, number>();
    cells.forEach((cell, i) => {
      if (cell?.id !== undefined && seen.has(cell.id)) errors.push({ path: `/cells/${i}/id`, message: `duplicate cell id ${JSON.stringify(cell.id)} (also cell ${seen.get(cell.id)})` });
      seen.set(cell?.id, i);
    });
  }
  return errors;
}

/** Throws unless `nb` is valid nbformat 4.5; the message names `what` and the first problems. */
export function assertValidNotebook(nb: unknown, what = 'notebook'): void {
  const errors = validateNotebook(nb);
  if (errors.length) {
    const list = errors.slice(0, 5).map((e) => `${e.path}: ${e.message}`).join('; ');
    throw new Error(`${what} is not valid nbformat 4.5 (${errors.length} problem${errors.length > 1 ? 's' : ''}): ${list}`);
  }
}
