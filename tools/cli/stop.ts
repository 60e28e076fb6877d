/**
 * Stop signals of a program (scripts/, and the notebook API's `train`): the one place that handles
 * SIGINT, SIGTERM and SIGHUP. lib/ never does: it takes an AbortSignal (trainers, the campaign, the
 * notebook runner) and stops at its next safe point when it is aborted.
 *
 * The first signal aborts `signal` with the signal's name as its reason ('SIGINT', 'SIGTERM',
 * 'SIGHUP'; a trainer records it in summary.json and the program exits with SIGNAL_EXIT_CODES).
 * When nothing listens for that abort (no trainer runs: the data loads, metrics are computed),
 * the program ends at once as before: holding run locks, it releases them and exits with 128 + the
 * signal number; holding none, the signal is raised again and ends it (node's default). With
 * `unheard: 'keep'` the abort is kept for whoever looks later (a notebook's `train`: a Ctrl-C while
 * its data loads stops the run at its first step). A second signal ends the program at once:
 * `onSecond` (e.g. the notebook runner writing the partial notebook), run locks released, exit 128 + n.
 *
 * A second signal within DUPLICATE_MS of the first is the same stop, not a second one: one Ctrl-C under
 * `npm run` reaches node twice (the terminal signals the whole process group, npm included, and npm forwards
 * what it gets to its child; likewise `kill -TERM` of npm and node together), and taking it as the second
 * ended training runs without their checkpoint.
 */
import { getEventListeners } from 'events';
import { releaseAllLocks } from '../../lib/io/lock';
import { STOP_SIGNALS, StopSignal } from '../../lib/train/event-loop';

export type { StopSignal };

/** Exit status a shell reports for a process ended by each stop signal (128 + its number). */
export const SIGNAL_EXIT_CODES: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Signals this soon after the first are its duplicates (npm's forwarding takes milliseconds), ms. */
export const DUPLICATE_MS = 250;

export interface Stop {
  /** Aborted by the first signal, with the signal's name as its reason. */
  readonly signal: AbortSignal;
  /** Removes the handlers (the process's own signal behaviour returns). */
  release(): void;
}

export interface StopOptions {
  /** The signals handled (default SIGINT, SIGTERM, SIGHUP). */
  signals?: readonly StopSignal[];
  /** An abort nobody listens for: end the program now (default, 'exit') or keep it for later ('keep'). */
  unheard?: 'exit' | 'keep';
  /** Called on a second signal, before the program exits. */
  onSecond?: (sig: StopSignal) => void;
}

/** Maps stop signals to an AbortController's abort; see the file comment. */
export function stopOnSignals(opts: StopOptions = {}): Stop {
  const controller = new AbortController();
  const handlers = new Map<StopSignal, () => void>();
  let firstAt = 0;
  const release = () => {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    handlers.clear();
  };
  for (const sig of opts.signals ?? STOP_SIGNALS) {
    const h = () => {
      if (controller.signal.aborted) {
        if (Date.now() - firstAt < DUPLICATE_MS) return;
        opts.onSecond?.(sig);
        releaseAllLocks();
        process.exit(SIGNAL_EXIT_CODES[sig]);
      }
      // listeners added with { once: true } are gone once the abort has run them: count them first
      const heard = getEventListeners(controller.signal, 'abort').length > 0;
      firstAt = Date.now();
      controller.abort(sig);
      if (heard || opts.unheard === 'keep') return;
      // nothing stops gracefully: end now, as the signal would
      if (releaseAllLocks() > 0) process.exit(SIGNAL_EXIT_CODES[sig]);
      release();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return { signal: controller.signal, release };
}

/**
 * While notebooks run in this process (the notebook runner, `study --export --notebooks`): a
 * promise a cell left rejected without a handler is a warning on `log`, not the end of the
 * program. Returns the function that removes the handler.
 */
export function warnUnhandledRejections(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): () => void {
  const onRejection = (reason: unknown) => log(`warning: unhandled promise rejection in the notebook: ${reason instanceof Error ? reason.message : String(reason)}`);
  process.on('unhandledRejection', onRejection);
  return () => process.removeListener('unhandledRejection', onRejection);
}
