/**
 * Notebook parameters as papermill types them: `-p name=value` values become numbers, booleans,
 * null, else strings; `-r name=value` keeps the string; `-f file` reads JSON or YAML; `-y text`
 * is inline YAML. Later sources override earlier ones, name by name.
 */
import * as fs from 'fs';
import * as YAML from 'yaml';

/** A parameter value: anything JSON can hold. */
export type ParamValue = null | boolean | number | string | ParamValue[] | { [k: string]: ParamValue };
export type Params = Record<string, ParamValue>;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Types a command-line value like papermill's `-p`: `true`/`True` and `false`/`False` are
 * booleans, `null`/`None` is null, decimal numbers (`5`, `-2.5`, `1e-4`) are numbers, anything
 * else (including `''`, `0x10`, `NaN`) stays a string.
 */
export function typeParamValue(raw: string): ParamValue {
  if (raw === 'true' || raw === 'True') return true;
  if (raw === 'false' || raw === 'False') return false;
  if (raw === 'null' || raw === 'None') return null;
  if (NUMBER.test(raw)) {
    const n = Number(raw);
    if (Number.isFinite(n)) return n;
  }
  return raw;
}

/** Throws unless `name` can be a TypeScript variable name (what the injected cell assigns). */
export function checkParamName(name: string, where: string): void {
  if (!NAME.test(name)) throw new Error(`${where}: parameter name "${name}" is not a valid TypeScript identifier`);
}

/** Splits `name=value` (value may hold '='), naming `flag` in errors. */
export function splitAssignment(arg: string, flag: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`${flag} ${arg}: expected name=value`);
  const name = arg.slice(0, eq);
  checkParamName(name, flag);
  return [name, arg.slice(eq + 1)];
}

function checkParamObject(v: unknown, where: string): Params {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where}: expected a mapping of parameter names to values, got ${Array.isArray(v) ? 'a list' : typeof v}`);
  for (const name of Object.keys(v)) checkParamName(name, where);
  return v as Params;
}

/** Parameters from YAML text (a mapping); JSON is YAML too. */
export function parseParamsText(text: string, where: string): Params {
  let v: unknown;
  try {
    v = YAML.parse(text);
  } catch (e) {
    throw new Error(`${where}: not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return checkParamObject(v, where);
}

/** Parameters from a .json, .yaml or .yml file. */
export function readParamsFile(file: string): Params {
  if (!fs.existsSync(file)) throw new Error(`-f ${file}: no such parameters file`);
  const text = fs.readFileSync(file, 'utf8');
  if (/\.json$/i.test(file)) {
    try {
      return checkParamObject(JSON.parse(text), `-f ${file}`);
    } catch (e) {
      if ((e as Error).message.startsWith(`-f ${file}`)) throw e;
      throw new Error(`-f ${file}: not valid JSON: ${(e as Error).message}`);
    }
  }
  return parseParamsText(text, `-f ${file}`);
}

/** A TypeScript literal for a value (JSON is valid TypeScript for every ParamValue). */
export function tsLiteral(v: ParamValue): string {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`parameter value ${v} cannot be written to a notebook`);
  return JSON.stringify(v);
}
