/**
 * Lets Node's event loop run once: timers, I/O callbacks and signal handlers (Ctrl-C).
 *
 * A training loop that only awaits tfjs reads (`tensor.data()`, which resolves as a microtask on
 * the native backend) never gives the event loop a turn, so a SIGINT handler registered with
 * process.on('SIGINT') is never called and Ctrl-C does nothing. Awaiting this once per step costs
 * microseconds.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One whole turn of the event loop, its poll phase included (a timer, then an immediate): a signal
 * that arrived during synchronous work (loading data, a step) is dispatched to its handler by the
 * time this resolves. yieldToEventLoop alone can skip the poll phase, and a handler removed before
 * the next poll loses the signal (a SIGTERM during data loading of a one-step run ended `stopped`).
 */
export function drainSignals(): Promise<void> {
  return new Promise((resolve) => setTimeout(() => setImmediate(resolve), 0));
}

/** Exit status a shell reports for a process ended by each signal the loops handle (128 + number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/**
 * Ctrl-C, SIGTERM (docker stop, Slurm/Kubernetes preemption) and SIGHUP (a closed terminal) for a
 * long loop: the first one sets `interrupted` and `signal` (the loop finishes its step, saves a
 * checkpoint and stops; it must await yieldToEventLoop for the handler to run); a second one exits
 * at once with 128 + the signal number (130, 143, 129). Call release() when the loop is done.
 */
export function catchInterrupt(say: (line: string) => void): { readonly interrupted: boolean; readonly signal: StopSignal | null; release(): void } {
  let signal: StopSignal | null = null;
  const handlers = new Map<StopSignal, () => void>();
  for (const sig of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]) {
    const onSignal = () => {
      if (signal) return process.exit(SIGNAL_EXIT_CODES[sig]);
      signal = sig;
      const how = sig === 'SIGINT' ? 'Ctrl-C again' : `${sig} again`;
      say(`Interrupted (${sig}): finishing this step and saving a checkpoint (${how} to abort)`);
    };
    handlers.set(sig, onSignal);
    process.on(sig, onSignal);
  }
  return {
    get interrupted() {
      return signal !== null;
    },
    get signal() {
      return signal;
    },
    release: () => {
      for (const [sig, h] of handlers) process.removeListener(sig, h);
    },
  };
}
