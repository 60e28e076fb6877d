/** A plain progress line on stderr for long decodes (a bar on a terminal, a line per step otherwise). */

export interface Progress {
  tick(done: number): void;
  done(): void;
}

/**
 * Reports `label: done/total (rate img/s, eta)` to stderr every `every` items; silent when
 * `enabled` is false. On a TTY the line is redrawn in place.
 */
export function progress(label: string, total: number, enabled: boolean, every = 1000): Progress {
  const t0 = Date.now();
  let last = 0;
  const tty = Boolean(process.stderr.isTTY);
  const line = (done: number): string => {
    const s = (Date.now() - t0) / 1000;
    const rate = s > 0 ? done / s : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    const width = 24;
    const bar = '#'.repeat(Math.round((width * pct) / 100)).padEnd(width, '.');
    return `${label}: [${bar}] ${done}/${total} ${pct}% ${rate.toFixed(0)} img/s, ${formatSeconds(s)} elapsed, ${formatSeconds(eta)} left`;
  };
  return {
    tick(done: number) {
      if (!enabled || done - last < every) return;
      last = done;
      process.stderr.write(tty ? `\r${line(done)}` : `${line(done)}\n`);
    },
    done() {
      if (!enabled) return;
      process.stderr.write(tty ? `\r${line(total)}\n` : `${line(total)}\n`);
    },
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
