/**
 * Command line of `npm run notebook`, papermill's: `-p name value` or `-p name=value` (typed),
 * `-r name value` (raw string), `-f params.json|yaml`, `-y 'yaml'`, `-o out.ipynb`. As in papermill,
 * files apply first, then -y, then -p, then -r, whatever their order on the line.
 */
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

const SHORT: Record<string, string> = { '-p': '--parameters', '-r': '--parameters-raw', '-f': '--parameters-file', '-y': '--parameters-yaml', '-o': '--output', '-h': '--help' };

/** Parses the runner's arguments (see {@link NOTEBOOK_USAGE}); errors name the option. */
export function parseNotebookArgs(argv: string[]): NotebookArgs {
  const out: NotebookArgs = { params: {}, prepareOnly: false, allowUnknown: false, logOutput: false, helpNotebook: false, help: false };
  const files: string[] = [];
  const yamls: string[] = [];
  const typed: [string, string][] = [];
  const raw: [string, string][] = [];
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  // -p NAME=VALUE, or -p NAME VALUE (papermill's form); returns how many extra arguments were used
  const pair = (i: number, flag: string, into: [string, string][]): number => {
    const a = value(i, flag);
    const eq = a.indexOf('=');
    if (eq > 0 && /^[A-Za-z_$][\w$]*$/.test(a.slice(0, eq))) {
      into.push(splitAssignment(a, flag));
      return 1;
    }
    checkParamName(a, flag);
    into.push([a, value(i + 1, `${flag} ${a}`)]);
    return 2;
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline: string | undefined;
    if (a.startsWith('--') && a.includes('=')) {
      inline = a.slice(a.indexOf('=') + 1);
      a = a.slice(0, a.indexOf('='));
    }
    const flag = SHORT[a] ?? a;
    const take = (): string => {
      if (inline !== undefined) return inline;
      return value(++i, a);
    };
    switch (flag) {
      case '--parameters':
        if (inline !== undefined) throw new Error(`${a}: write ${a} NAME=VALUE or ${a} NAME VALUE`);
        i += pair(i + 1, a, typed);
        break;
      case '--parameters-raw':
        if (inline !== undefined) throw new Error(`${a}: write ${a} NAME=VALUE or ${a} NAME VALUE`);
        i += pair(i + 1, a, raw);
        break;
      case '--parameters-file':
        files.push(take());
        break;
      case '--parameters-yaml':
        yamls.push(take());
        break;
      case '--output':
        out.output = take();
        break;
      case '--cwd':
        out.cwd = take();
        break;
      case '--grace-s': {
        const v = take();
        const s = Number(v);
        if (!Number.isFinite(s) || s < 0) throw new Error(`--grace-s must be a number of seconds >= 0, got "${v}"`);
        out.graceMs = s * 1000;
        break;
      }
      case '--prepare-only':
        out.prepareOnly = true;
        break;
      case '--allow-unknown':
        out.allowUnknown = true;
        break;
      case '--log-output':
        out.logOutput = true;
        break;
      case '--help-notebook':
        out.helpNotebook = true;
        break;
      case '--help':
        out.help = true;
        break;
      default:
        if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${NOTEBOOK_USAGE}`);
        if (out.input !== undefined) throw new Error(`one notebook at a time: got ${out.input} and ${a}`);
        out.input = a;
    }
  }
  for (const f of files) Object.assign(out.params, readParamsFile(f));
  for (const y of yamls) Object.assign(out.params, parseParamsText(y, '-y'));
  for (const [n, v] of typed) out.params[n] = typeParamValue(v);
  for (const [n, v] of raw) out.params[n] = v;
  return out;
}
