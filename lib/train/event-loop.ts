/**
 * The event loop's turns in a training loop, and the stop signals' names.
 *
 * A training loop that only awaits tfjs reads (`tensor.data()`, which resolves as a microtask on
 * the native backend) never gives the event loop a turn, so the program's signal handler (scripts/
 * map SIGINT, SIGTERM and SIGHUP to an AbortSignal the loop checks) is never called and Ctrl-C
 * does nothing. Awaiting yieldToEventLoop once per step costs microseconds.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One whole turn of the event loop, its poll phase included (a timer, then an immediate): a signal
 * that arrived during synchronous work (loading data, a step) is dispatched to its handler by the
 * time this resolves. yieldToEventLoop alone can skip the poll phase, and a loop that ends before
 * the next poll loses the signal (a SIGTERM during data loading of a one-step run ended `stopped`).
 */
export function drainSignals(): Promise<void> {
  return new Promise((resolve) => setTimeout(() => setImmediate(resolve), 0));
}

/** The signals a program stops a run with (scripts/ map each to an abort whose reason is its name). */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The stop signal an aborted AbortSignal names as its reason (undefined: not aborted, or another reason). */
export function stopSignalOf(signal: AbortSignal | undefined): StopSignal | undefined {
  const r = signal?.aborted ? signal.reason : undefined;
  return (STOP_SIGNALS as readonly unknown[]).includes(r) ? (r as StopSignal) : undefined;
}
