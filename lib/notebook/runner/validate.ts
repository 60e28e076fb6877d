/**
 * Validating a notebook against the official nbformat 4.5 JSON schema, vendored from Python's
 * nbformat 5.11 (`nbformat/v4/nbformat.v4.5.schema.json`, BSD-3-Clause, Project Jupyter), with
 * a small JSON Schema draft-04 checker covering the keywords that schema uses. Cell ids must
 * also be unique, as nbformat's own validator requires.
 */
import * as fs from 'fs';
import * as path from 'path';

type Schema = Record<string, unknown>;

const SCHEMA_FILE = path.join(__dirname, 'nbformat.v4.5.schema.json');
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

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`nbformat schema: unsupported $ref ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part];
  if (!node || typeof node !== 'object') throw new Error(`nbformat schema: unresolved $ref ${ref}`);
  return node as Schema;
}

const HANDLED = new Set([
  '$ref', '$schema', 'description', 'definitions', 'type', 'enum', 'required', 'properties', 'patternProperties',
  'additionalProperties', 'items', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'uniqueItems', 'oneOf', 'not',
]);

function check(root: Schema, s: Schema, v: unknown, at: string, errors: SchemaError[]): void {
  if (typeof s.$ref === 'string') return check(root, resolveRef(root, s.$ref), v, at, errors);
  for (const k of Object.keys(s)) if (!HANDLED.has(k)) throw new Error(`nbformat schema: unsupported keyword "${k}" at ${at}`);
  const err = (message: string): void => void errors.push({ path: at || '/', message });
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => typeMatches(v, t))) return err(`expected ${types.join(' or ')}, got ${typeOf(v)}`);
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    err(`expected one of ${JSON.stringify(s.enum)}, got ${JSON.stringify(v)}`);
  }
  if (s.not !== undefined) {
    const sub: SchemaError[] = [];
    check(root, s.not as Schema, v, at, sub);
    if (sub.length === 0) err(`must not match ${JSON.stringify(s.not)}`);
  }
  if (Array.isArray(s.oneOf)) {
    const results = (s.oneOf as Schema[]).map((alt) => {
      const sub: SchemaError[] = [];
      check(root, alt, v, at, sub);
      return sub;
    });
    const ok = results.filter((r) => r.length === 0).length;
    if (ok !== 1) {
      if (ok > 1) err(`matches ${ok} alternatives of oneOf, expected exactly one`);
      else {
        // report the alternative that got furthest (fewest errors), as nbformat does
        const best = results.reduce((a, b) => (b.length < a.length ? b : a));
        errors.push(...best);
      }
    }
  }
  if (typeof v === 'string') {
    if (typeof s.minLength === 'number' && v.length < s.minLength) err(`expected at least ${s.minLength} characters`);
    if (typeof s.maxLength === 'number' && v.length > s.maxLength) err(`expected at most ${s.maxLength} characters`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) err(`"${v}" does not match ${s.pattern}`);
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) err(`expected >= ${s.minimum}, got ${v}`);
    if (typeof s.maximum === 'number' && v > s.maximum) err(`expected <= ${s.maximum}, got ${v}`);
  }
  if (Array.isArray(v)) {
    if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) {
      v.forEach((item, i) => check(root, s.items as Schema, item, `${at}/${i}`, errors));
    }
    if (s.uniqueItems === true && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) err('expected unique items');
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const obj = v as Record<string, unknown>;
    for (const r of (s.required as string[] | undefined) ?? []) if (!(r in obj)) err(`missing required property "${r}"`);
    const props = (s.properties as Record<string, Schema> | undefined) ?? {};
    const patterns = Object.entries((s.patternProperties as Record<string, Schema> | undefined) ?? {}).map(
      ([p, sub]) => [new RegExp(p, 'u'), sub] as const,
    );
    for (const [k, val] of Object.entries(obj)) {
      let matched = false;
      if (k in props) {
        matched = true;
        check(root, props[k], val, `${at}/${k}`, errors);
      }
      for (const [re, sub] of patterns) {
        if (re.test(k)) {
          matched = true;
          check(root, sub, val, `${at}/${k}`, errors);
        }
      }
      if (!matched) {
        if (s.additionalProperties === false) err(`unexpected property "${k}"`);
        else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
          check(root, s.additionalProperties as Schema, val, `${at}/${k}`, errors);
        }
      }
    }
  }
}

/** All schema violations of `nb` (empty when it is valid nbformat 4.5), plus duplicate cell ids. */
export function validateNotebook(nb: unknown): SchemaError[] {
  const root = nbformatSchema();
  const errors: SchemaError[] = [];
  check(root, root, nb, '', errors);
  const cells = (nb as { cells?: { id?: unknown }[] })?.cells;
  if (Array.isArray(cells)) {
    const seen = new Map<unknown, number>();
    cells.forEach((c, i) => {
      if (c?.id !== undefined && seen.has(c.id)) errors.push({ path: `/cells/${i}/id`, message: `duplicate cell id ${JSON.stringify(c.id)} (also cell ${seen.get(c.id)})` });
      seen.set(c?.id, i);
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
