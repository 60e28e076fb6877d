/**
 * The scripts' command-line parser, on node's util.parseArgs: --name value, --name=value, --flag,
 * and positionals; `--` ends the options. Strict in the scripts' way: an unknown option, or a
 * value option without a value (or followed by another --option), is an error naming the command.
 * A single-dash word (e.g. -5) is a positional, not a short option.
 */
import { parseArgs as nodeParseArgs } from 'util';
import { stopOnSignals } from './stop';

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | true>;
}

export function parseArgs(argv: string[], spec: { flags?: string[]; options?: string[] }, command: string): ParsedArgs {
  const flags = new Set(spec.flags ?? []);
  const options = new Set(spec.options ?? []);
  const config = Object.fromEntries([
    ...[...flags].map((n) => [n, { type: 'boolean' as const }]),
    ...[...options].map((n) => [n, { type: 'string' as const }]),
  ]);
  const { tokens } = nodeParseArgs({ args: argv, options: config, strict: false, allowPositionals: true, tokens: true });
  const out: ParsedArgs = { positionals: [], options: {} };
  const shortSeen = new Set<number>();
  for (const t of tokens) {
    if (t.kind === 'positional') out.positionals.push(t.value);
    else if (t.kind === 'option' && !t.rawName.startsWith('--')) {
      // a single-dash word: kept whole as a positional, as the scripts always took it
      if (!shortSeen.has(t.index)) out.positionals.push(argv[t.index]);
      shortSeen.add(t.index);
    } else if (t.kind === 'option' && flags.has(t.name)) {
      out.options[t.name] = true;
    } else if (t.kind === 'option' && options.has(t.name)) {
      if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) throw new Error(`${command}: --${t.name} needs a value`);
      out.options[t.name] = t.value;
    } else if (t.kind === 'option') {
      const known = [...flags, ...options].map((n) => `--${n}`).join(' ');
      throw new Error(`${command}: unknown option --${t.name} (known: ${known})`);
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
 * `main` gets the program's stop signal: SIGINT, SIGTERM and SIGHUP abort it (tools/cli/stop.ts),
 * and a trainer given it stops after its step with a checkpoint.
 */
export function runMain(main: (signal: AbortSignal) => Promise<void>): void {
  const stop = stopOnSignals();
  main(stop.signal).then(
    () => process.exit(process.exitCode ?? 0),
    (e: Error & { exitCode?: number }) => {
      process.stderr.write(`\nerror: ${e.message}\n`);
      if (process.env.FACEGAN_DEBUG) process.stderr.write(`${e.stack}\n`);
      // an error may carry its own status, e.g. 75 (EX_TEMPFAIL) when a run folder is locked
      process.exit(Number.isInteger(e.exitCode) && e.exitCode! > 0 ? e.exitCode : 1);
    },
  );
}
