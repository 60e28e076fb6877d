/**
 * Who a process is, beyond its pid (Linux /proc; elsewhere every answer is null = "cannot tell"):
 * its start time in clock ticks since boot (a reused pid has another), its state (a zombie is dead),
 * its PID namespace (a pid means nothing in another namespace) and the boot it belongs to. The run
 * lock (lib/io/lock.ts) records these for its holder and judges liveness by them.
 */
import * as fs from 'fs';

export interface ProcessIdentity {
  /** Field 22 of /proc/PID/stat: start time in clock ticks after boot. */
  startTicks: number;
  /** The PID namespace, as readlink /proc/PID/ns/pid gives it ("pid:[4026531836]"). */
  pidNs: string | null;
  /** /proc/sys/kernel/random/boot_id: a pid and its start time are only meaningful within one boot. */
  bootId: string | null;
}

/** Fields of /proc/PID/stat after the command name: [0] is the state (R, S, D, Z, ...). */
function statFields(pid: number | 'self'): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function readOr<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

export const bootId = (): string | null => readOr(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
export const pidNamespace = (pid: number | 'self' = 'self'): string | null => readOr(() => fs.readlinkSync(`/proc/${pid}/ns/pid`));

/** This process's identity, or null where /proc is absent. */
export function selfIdentity(): ProcessIdentity | null {
  const f = statFields('self');
  const startTicks = f ? Number(f[19]) : NaN;
  return Number.isFinite(startTicks) ? { startTicks, pidNs: pidNamespace(), bootId: bootId() } : null;
}

/** Start time (clock ticks after boot) of local process `pid`; null when it does not exist or /proc is absent. */
export function startTicksOf(pid: number): number | null {
  const f = statFields(pid);
  const t = f ? Number(f[19]) : NaN;
  return Number.isFinite(t) ? t : null;
}

/** 'zombie' (ended, not yet reaped: dead for our purposes), 'kernel' (a kernel thread: never a lock holder), 'process', or null (no such process / no /proc). */
export function processKind(pid: number): 'zombie' | 'kernel' | 'process' | null {
  const f = statFields(pid);
  if (!f) return null;
  if (f[0] === 'Z' || f[0] === 'X') return 'zombie';
  // kernel threads are children of kthreadd (pid 2) or kthreadd itself, and have no command line
  const ppid = Number(f[1]);
  const cmdline = readOr(() => fs.readFileSync(`/proc/${pid}/cmdline`));
  if ((pid === 2 || ppid === 2) && cmdline !== null && cmdline.length === 0) return 'kernel';
  return 'process';
}

/**
 * The process that is `pid` inside PID namespace `ns` (seen from here), found through /proc/N/status
 * NSpid lines: { found: pid here } when a live process of that namespace has it, { found: null }
 * when that namespace has no such process (or no process at all any more), and null when this
 * machine cannot tell (no /proc, or the namespaces of other processes cannot be read).
 */
export function findInNamespace(ns: string, pid: number): { found: number | null } | null {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  let unreadable = 0;
  for (const e of entries) {
    let link: string;
    try {
      link = fs.readlinkSync(`/proc/${e}/ns/pid`);
    } catch (err) {
      // pid 1 of this /proc is the init of our own namespace, not a member of another one
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && e !== '1') unreadable += 1;
      continue;
    }
    if (link !== ns) continue;
    const status = readOr(() => fs.readFileSync(`/proc/${e}/status`, 'utf8'));
    const nspid = status ? /^NSpid:\s+(.*)$/m.exec(status)?.[1].trim().split(/\s+/).map(Number) : undefined;
    if (nspid && nspid[nspid.length - 1] === pid) {
      return { found: processKind(Number(e)) === 'zombie' ? null : Number(e) };
    }
  }
  return unreadable ? null : { found: null };
}
