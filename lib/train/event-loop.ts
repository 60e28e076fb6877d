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
 * Ctrl-C for a long loop: the first SIGINT sets `interrupted` (the loop finishes its step, saves a
 * checkpoint and stops; it must await yieldToEventLoop for the handler to run), a second one exits
 * with 130. Call release() when the loop is done.
 */
export function catchInterrupt(say: (line: string) => void): { readonly interrupted: boolean; release(): void } {
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    say('Interrupted: finishing this step and saving a checkpoint (Ctrl-C again to abort)');
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  return {
    get interrupted() {
      return interrupted;
    },
    release: () => void process.removeListener('SIGINT', onSigint),
  };
}
