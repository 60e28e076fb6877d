/**
 * Command line of `npm run notebook`, papermill's: `-p name value` or `-p name=value` (typed),
 * `-r name value` (raw string), `-f params.json|yaml`, `-y 'yaml'`, `-o out.ipynb`. As in papermill,
 * files apply first, then -y, then -p, then -r, whatever their order on the line. `--` ends the options.
 */
import { parseArgs } from 'util';
import { Params, parseParamsText, readParamsFile, splitAssignment, checkParamName, typeParamValue } from './params';

export const NOTEBOOK_USAGE = `usage: npm run notebook -- <notebook.ipynb> [options]
  -p, --parameters NAME VALUE   set a parameter (also NAME=VALUE); typed like papermill:
                                true/false, null, numbers, else a string
  -r, --parameters-raw NAME VALUE   set a parameter to the string VALUE as it is
  -f, --parameters-file FILE    parameters from a JSON or YAML file (a mapping)
  -y, --parameters-yaml TEXT    parameters as inline YAML, e.g. -y '{preset: smoke, epochs: 2}'
  -o, --output OUT.ipynb        where to write the executed notebook
                                (default: into the run directory the notebook records)
  --prepare-only                inject the parameters and write -o without executing
                                (for running the notebook in Jupyter, e.g. jupyter nbconvert --execute)
  --allow-unknown               inject parameters the notebook does not declare (default: an error)
  --cwd DIR                     folder the cells run in (default: the notebook's folder)
  --log-output                  echo cell outputs to stderr while running
  --grace-s S                   after Ctrl-C, let the running cell finish for S seconds (default 30)
  --help-notebook               list the notebook's parameters and exit
Exit status: 0 when every cell ran, 1 when a cell failed, 130 when interrupted (Ctrl-C).`;

export interface NotebookArgs {
  input?: string;
  params: Params;
  output?: string;
  prepareOnly: boolean;
  /** Inject parameters the notebook does not declare (default: an error naming the declared ones). */
  allowUnknown: boolean;
  cwd?: string;
  logOutput: boolean;
  graceMs?: number;
  helpNotebook: boolean;
  help: boolean;
}

/** The runner's options for node's util.parseArgs (-p/-r take two arguments: handled below). */
const OPTIONS = {
  parameters: { type: 'string', short: 'p' },
  'parameters-raw': { type: 'string', short: 'r' },
  'parameters-file': { type: 'string', short: 'f' },
  'parameters-yaml': { type: 'string', short: 'y' },
  output: { type: 'string', short: 'o' },
  cwd: { type: 'string' },
  'grace-s': { type: 'string' },
  'prepare-only': { type: 'boolean' },
  'allow-unknown': { type: 'boolean' },
  'log-output': { type: 'boolean' },
  'help-notebook': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses the runner's arguments (see {@link NOTEBOOK_USAGE}) with node's util.parseArgs; errors
 * name the option. `-p NAME VALUE` takes two arguments, which parseArgs does not know: VALUE is
 * taken as it is (it may start with '-') and parsing resumes after it.
 */
export function parseNotebookArgs(argv: string[]): NotebookArgs {
  const out: NotebookArgs = { params: {}, prepareOnly: false, allowUnknown: false, logOutput: false, helpNotebook: false, help: false };
  const files: string[] = [];
  const yamls: string[] = [];
  const typed: [string, string][] = [];
  const raw: [string, string][] = [];
  let start = 0;
  restart: while (start < argv.length) {
    const { tokens } = parseArgs({ args: argv.slice(start), options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
    const unknownSeen = new Set<number>();
    for (const t of tokens) {
      if (t.kind === 'option-terminator') continue;
      const index = start + t.index;
      if (t.kind === 'positional') {
        if (out.input !== undefined) throw new Error(`one notebook at a time: got ${out.input} and ${t.value}`);
        out.input = t.value;
        continue;
      }
      const flag = t.rawName;
      if (!(t.name in OPTIONS)) {
        // a short option group (-xy) is one argument: name it whole, once
        if (!unknownSeen.has(index)) throw new Error(`unknown option ${flag.startsWith('--') ? flag : argv[index]}\n${NOTEBOOK_USAGE}`);
        unknownSeen.add(index);
        continue;
      }
      const name = t.name as keyof typeof OPTIONS;
      if (OPTIONS[name].type === 'boolean') {
        if (name === 'prepare-only') out.prepareOnly = true;
        else if (name === 'allow-unknown') out.allowUnknown = true;
        else if (name === 'log-output') out.logOutput = true;
        else if (name === 'help-notebook') out.helpNotebook = true;
        else out.help = true;
        continue;
      }
      if (t.value === undefined) throw new Error(`${flag} needs a value`);
      const v = t.value;
      switch (name) {
        case 'parameters':
        case 'parameters-raw': {
          if (t.inlineValue) throw new Error(`${flag}: write ${flag} NAME=VALUE or ${flag} NAME VALUE`);
          const into = name === 'parameters' ? typed : raw;
          const eq = v.indexOf('=');
          if (eq > 0 && /^[A-Za-z_$][\w$]*$/.test(v.slice(0, eq))) {
            into.push(splitAssignment(v, flag));
            continue;
          }
          // -p NAME VALUE (papermill's form): VALUE is the next argument, whatever it looks like
          checkParamName(v, flag);
          const valueAt = index + 2;
          if (valueAt >= argv.length) throw new Error(`${flag} ${v} needs a value`);
          into.push([v, argv[valueAt]]);
          start = valueAt + 1;
          continue restart;
        }
        case 'parameters-file':
          files.push(v);
          break;
        case 'parameters-yaml':
          yamls.push(v);
          break;
        case 'output':
          out.output = v;
          break;
        case 'cwd':
          out.cwd = v;
          break;
        case 'grace-s': {
          const sec = Number(v);
          if (!Number.isFinite(sec) || sec < 0) throw new Error(`--grace-s must be a number of seconds >= 0, got "${v}"`);
          out.graceMs = sec * 1000;
          break;
        }
      }
    }
    break;
  }
  for (const f of files) Object.assign(out.params, readParamsFile(f));
  for (const y of yamls) Object.assign(out.params, parseParamsText(y, '-y'));
  for (const [n, v] of typed) out.params[n] = typeParamValue(v);
  for (const [n, v] of raw) out.params[n] = v;
  return out;
}
