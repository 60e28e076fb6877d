/**
 * Papermill's parameter injection for TypeScript notebooks: the cell tagged `parameters` holds
 * the defaults (`let preset = 'quick';`); the runner adds a cell tagged `injected-parameters`
 * right after it that assigns the given values (`preset = "smoke";`), so tslab type-checks them
 * against the declared types. Rerunning replaces that cell instead of adding another.
 */
import * as ts from 'typescript';
import { Cell, CodeCell, Notebook, cellTags, joinText, newCodeCell } from './nbformat';
import { Params, tsLiteral } from './params';

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_TAG = 'injected-parameters';

/** A variable declared at the top level of the parameters cell. */
export interface DeclaredParameter {
  name: string;
  kind: 'let' | 'const' | 'var';
  /** The type annotation as written, if any. */
  type?: string;
  /** The default value as written, if any. */
  initializer?: string;
  /** A trailing `// comment` on the declaration's line (help text). */
  help?: string;
}

/** Top-level variables declared in TypeScript `source`, with their types, defaults and comments. */
export function declaredParameters(source: string): DeclaredParameter[] {
  const sf = ts.createSourceFile('parameters.ts', source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: DeclaredParameter[] = [];
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const flags = st.declarationList.flags;
    const kind = flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var';
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name)) continue;
      const lineEnd = source.indexOf('\n', st.getEnd());
      const rest = source.slice(st.getEnd(), lineEnd < 0 ? source.length : lineEnd);
      const help = /^\s*\/\/\s?(.*)$/.exec(rest)?.[1]?.trim();
      out.push({
        name: d.name.text,
        kind,
        ...(d.type ? { type: d.type.getText(sf) } : {}),
        ...(d.initializer ? { initializer: d.initializer.getText(sf) } : {}),
        ...(help ? { help } : {}),
      });
    }
  }
  return out;
}

/** Index of the first cell carrying `tag`, or -1. */
export function findTaggedCell(nb: Notebook, tag: string): number {
  return nb.cells.findIndex((c) => cellTags(c).includes(tag));
}

/** The parameters cell's declarations (empty when the notebook has no `parameters` cell). */
export function notebookParameters(nb: Notebook): DeclaredParameter[] {
  const i = findTaggedCell(nb, PARAMETERS_TAG);
  return i < 0 || nb.cells[i].cell_type !== 'code' ? [] : declaredParameters(joinText(nb.cells[i].source));
}

/**
 * The injected cell's TypeScript: assignments to the declared `let`/`var` parameters (inside a
 * block, so the cell prints nothing), then declarations for `const` and unknown names.
 */
export function parametersSource(params: Params, declared: DeclaredParameter[]): string {
  const byName = new Map(declared.map((d) => [d.name, d]));
  const assign: string[] = [];
  const declare: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    const d = byName.get(name);
    const lit = tsLiteral(value);
    if (d && d.kind !== 'const') assign.push(`  ${name} = ${lit};`);
    else if (d?.type) declare.push(`const ${name}: ${d.type} = ${lit};`);
    else declare.push(`${d ? 'const' : 'let'} ${name} = ${lit};`);
  }
  const lines = ['// Parameters injected by the facegan notebook runner (papermill-style)'];
  if (assign.length) lines.push('{', ...assign, '}');
  return [...lines, ...declare].join('\n');
}

/** What {@link injectParameters} did. */
export interface InjectResult {
  /** Index of the injected cell. */
  index: number;
  /** Names given that the parameters cell does not declare (papermill warns about these too). */
  unknown: string[];
  /** The defaults, name -> source text, as papermill records `default_parameters`. */
  defaults: Record<string, string>;
}

/**
 * Injects `params` papermill-style, in place: every existing `injected-parameters` cell is
 * removed and one new cell is put where the first of them was, else right after the
 * `parameters` cell, else at the top (with `unknown` listing every name). With no params the
 * notebook is left as it is (a rerun keeps its injected values), as papermill does.
 */
export function injectParameters(nb: Notebook, params: Params): InjectResult | null {
  const declared = notebookParameters(nb);
  const defaults = Object.fromEntries(declared.map((d) => [d.name, d.initializer ?? 'undefined']));
  if (Object.keys(params).length === 0) return null;
  const oldInjected = findTaggedCell(nb, INJECTED_TAG);
  const cell: CodeCell = newCodeCell(parametersSource(params, declared), [INJECTED_TAG]);
  nb.cells = nb.cells.filter((c: Cell) => !cellTags(c).includes(INJECTED_TAG));
  let index: number;
  if (oldInjected >= 0) index = oldInjected;
  else {
    const p = findTaggedCell(nb, PARAMETERS_TAG);
    index = p >= 0 ? p + 1 : 0;
  }
  nb.cells.splice(index, 0, cell);
  const known = new Set(declared.map((d) => d.name));
  return { index, unknown: Object.keys(params).filter((n) => !known.has(n)), defaults };
}
