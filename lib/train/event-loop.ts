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
