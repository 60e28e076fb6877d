/**
 * The machine a benchmark ran on, and how busy it was: CPU model, cores, SIMD flags, memory, load
 * average, and CPU-time snapshots (this process vs the whole machine, from /proc/stat) so a
 * measurement can say how much of the CPU other processes took while it ran. The same accounting
 * as the peer script (dcgan_torch.py `cpu_snapshot`).
 */
import * as fs from 'fs';
import * as os from 'os';

/** Static description of the machine. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  /** SIMD extensions relevant to fp32 GEMM (avx2, fma, avx512f, ...). */
  simd: string[];
  memory_gb: number;
  os: string;
  node: string;
}

/** Describes this machine (Linux details from /proc/cpuinfo when available). */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let flags: string[] = [];
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    flags = line ? line.split(':')[1].trim().split(/\s+/) : [];
  } catch {
    /* not Linux */
  }
  const simd = ['avx', 'avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx512_vnni', 'amx_tile'].filter((f) => flags.includes(f));
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    simd,
    memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
  };
}

/** One instant of CPU accounting: wall seconds, this process's CPU seconds, busy CPU seconds of the machine. */
export interface CpuSnapshot {
  wall: number;
  own: number;
  machineBusy: number;
}

/** Busy CPU seconds of the whole machine since boot (/proc/stat; NaN elsewhere). */
function machineBusySeconds(): number {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal; USER_HZ is 100 on Linux.
    return (f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3] - f[4]) / 100;
  } catch {
    return NaN;
  }
}

/** Takes a CPU snapshot. */
export function cpuSnapshot(): CpuSnapshot {
  const u = process.cpuUsage();
  return { wall: performance.now() / 1000, own: (u.user + u.system) / 1e6, machineBusy: machineBusySeconds() };
}

/** Cores used by this process and by every other process between two snapshots. */
export function cpuShare(a: CpuSnapshot, b: CpuSnapshot): { own_cpu_cores: number; other_cpu_cores: number; own_cpu_s: number } {
  const wall = Math.max(b.wall - a.wall, 1e-9);
  const own = b.own - a.own;
  const other = Math.max(0, b.machineBusy - a.machineBusy - own);
  return { own_cpu_cores: own / wall, other_cpu_cores: Number.isFinite(other) ? other / wall : NaN, own_cpu_s: own };
}

/** The 1-minute load average (0 where the OS has none). */
export function loadAverage1(): number {
  return os.loadavg()[0];
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
