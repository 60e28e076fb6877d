/**
 * Test-only: the fault plan of lib/io/files.ts, from the environment. Loaded into a child process with
 * NODE_OPTIONS=--require <this file> (test/faults/harness.ts `faultEnv`); a production run never loads
 * it, so a stray FACEGAN_FAULT_* variable does nothing there.
 *   FACEGAN_FAULT_KILL_AT=N        the N-th write (1-based, atomic writes and appends alike) writes half its
 *                                  bytes, then the process kills itself (SIGKILL)
 *   FACEGAN_FAULT_WRITE_FAIL_AT=N  the N-th write writes half its bytes, then fails as a full disk (ENOSPC)
 *   FACEGAN_FAULT_PAUSE_AT=N       before the N-th write the process stops itself (SIGSTOP)
 *   FACEGAN_FAULT_REPORT=1         print the number of writes on stderr at exit
 */
const n = (name) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : 0;
};
const plan = {
  killAt: n('FACEGAN_FAULT_KILL_AT'),
  failAt: n('FACEGAN_FAULT_WRITE_FAIL_AT'),
  pauseAt: n('FACEGAN_FAULT_PAUSE_AT'),
  writes: 0, // counted by lib/io/files.ts
};
globalThis.__faceganFaultPlan = plan;
if (process.env.FACEGAN_FAULT_REPORT) process.on('exit', () => process.stderr.write(`facegan-fault: ${plan.writes} writes\n`));
