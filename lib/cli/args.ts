/** A small, strict command-line parser: --name value, --name=value, --flag, and positionals. */
export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | true>;
}

export function parseArgs(argv: string[], spec: { flags?: string[]; options?: string[] }, command: string): ParsedArgs {
  const flags = new Set(spec.flags ?? []);
  const options = new Set(spec.options ?? []);
  const out: ParsedArgs = { positionals: [], options: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (flags.has(name)) {
      out.options[name] = true;
    } else if (options.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new Error(`${command}: --${name} needs a value`);
      out.options[name] = value;
    } else {
      const known = [...flags, ...options].map((n) => `--${n}`).join(' ');
      throw new Error(`${command}: unknown option --${name} (known: ${known})`);
    }
  }
  return out;
}

/** An integer option, with an error naming the option. */
export function intOption(args: ParsedArgs, name: string, command: string, min = 0): number | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min) throw new Error(`${command}: --${name} must be an integer >= ${min}, got "${v}"`);
  return n;
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Runs a CLI main function: prints a clean error (no stack unless FACEGAN_DEBUG) and exits non-zero
 * (the error's `exitCode` when it has one, else 1);
 * on success exits with process.exitCode when main set one (e.g. 130 after Ctrl-C), else 0.
 */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (e: Error & { exitCode?: number }) => {
      process.stderr.write(`\nerror: ${e.message}\n`);
      if (process.env.FACEGAN_DEBUG) process.stderr.write(`${e.stack}\n`);
      // an error may carry its own status, e.g. 75 (EX_TEMPFAIL) when a run folder is locked
      process.exit(Number.isInteger(e.exitCode) && e.exitCode! > 0 ? e.exitCode : 1);
    },
  );
}
