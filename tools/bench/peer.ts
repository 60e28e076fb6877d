/**
 * The peer of the benchmark: the same DCGAN step in PyTorch (bench/peer/dcgan_torch.py), run under
 * a Python that has torch, with the setup bench/peer/README.md asks for (threads = cores,
 * OMP_WAIT_POLICY=PASSIVE). Also measures fp32 matMul with torch and numpy as references for the
 * machine's peak.
 *
 * Python: `$FACEGAN_PYTHON`, else `.venv-bench/bin/python` in the repository (bench/peer/README.md
 * installs it, offline too); without one that imports torch, the peer is skipped with a message
 * saying how to get it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { exec, ExecResult } from '../../lib/native/exec';
import { REPO_ROOT } from '../../lib/native/paths';

/** Where the peer script lives: `$FACEGAN_PEER_SCRIPT`, else bench/peer/dcgan_torch.py in the repository. */
export function peerScript(): string {
  return process.env.FACEGAN_PEER_SCRIPT || path.join(REPO_ROOT, 'bench', 'peer', 'dcgan_torch.py');
}

/** A Python with torch, or why there is none. */
export type PeerPython = { ok: true; python: string; torch: string; numpy: string | null } | { ok: false; why: string };

function lastLine(r: ExecResult): string {
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return r.spawnError ?? lines[lines.length - 1] ?? `exit ${r.code}`;
}

/** Finds the Python for the peer and checks that it imports torch (and numpy, optional). */
export async function findPeerPython(): Promise<PeerPython> {
  const fromEnv = process.env.FACEGAN_PYTHON;
  const venv = path.join(REPO_ROOT, '.venv-bench', 'bin', 'python');
  const python = fromEnv || venv;
  const source = fromEnv ? `FACEGAN_PYTHON=${fromEnv}` : venv;
  if (!fromEnv && !fs.existsSync(venv)) {
    return {
      ok: false,
      why:
        'no Python with torch: set FACEGAN_PYTHON, or create .venv-bench ' +
        '(python3 -m venv .venv-bench && .venv-bench/bin/pip install torch numpy; offline: bench/peer/README.md)',
    };
  }
  const code =
    'import json, torch\ntry:\n import numpy; nv = numpy.__version__\nexcept Exception:\n nv = None\n' +
    'print("PEER " + json.dumps({"torch": torch.__version__, "numpy": nv}))';
  const r = await exec(python, ['-c', code], { timeoutMs: 120_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('PEER '));
  if (r.code !== 0 || !line) return { ok: false, why: `${source} cannot import torch: ${lastLine(r)}` };
  const v = JSON.parse(line.slice(5)) as { torch: string; numpy: string | null };
  return { ok: true, python, torch: v.torch, numpy: v.numpy };
}

/** The environment the peer's README asks for. */
export function peerEnv(threads: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OMP_WAIT_POLICY: 'PASSIVE',
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
    MKL_NUM_THREADS: String(threads),
  };
}

/** What dcgan_torch.py --json prints (the fields the benchmark uses), plus peak RSS. */
export interface PeerTrainResult {
  config: string;
  batch: number;
  threads: number;
  timed_steps: number;
  s_per_step_median: number;
  s_per_step_min: number;
  s_per_step_max: number;
  images_per_s: number;
  flops_per_step: number;
  gflops_per_s: number;
  torch: string;
  own_cpu_cores: number;
  other_cpu_cores: number;
  /** peak RSS of the Python process, MB (from getrusage after the script ran) */
  peak_rss_mb: number;
  load_avg_1m: number;
}

/** Runs dcgan_torch.py once (via runpy, so its peak RSS can be read afterwards). */
export async function runPeerTraining(
  python: string,
  o: { net: string; batch: number; warmup: number; steps: number; threads?: number; timeoutMs?: number },
): Promise<PeerTrainResult> {
  const script = peerScript();
  if (!fs.existsSync(script)) throw new Error(`peer script not found: ${script} (set FACEGAN_PEER_SCRIPT)`);
  const threads = o.threads ?? os.availableParallelism();
  const args = ['--config', o.net, '--batch', String(o.batch), '--threads', String(threads), '--warmup', String(o.warmup), '--steps', String(o.steps), '--json'];
  const code =
    'import resource, runpy, sys\n' +
    `sys.argv = ${JSON.stringify([script, ...args])}\n` +
    `runpy.run_path(${JSON.stringify(script)}, run_name="__main__")\n` +
    'print("PEAK_RSS_KB %d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n';
  const load0 = os.loadavg()[0];
  const r = await exec(python, ['-c', code], { env: peerEnv(threads), timeoutMs: o.timeoutMs ?? 1_800_000 });
  const load1 = os.loadavg()[0];
  const json = r.stdout.split('\n').find((l) => l.startsWith('JSON '));
  const rss = r.stdout.split('\n').find((l) => l.startsWith('PEAK_RSS_KB '));
  if (r.code !== 0 || !json) throw new Error(`peer ${path.basename(script)} --config ${o.net} --batch ${o.batch} failed: ${lastLine(r)}`);
  const res = JSON.parse(json.slice(5)) as Omit<PeerTrainResult, 'peak_rss_mb' | 'load_avg_1m'>;
  return { ...res, peak_rss_mb: rss ? Number(rss.split(' ')[1]) / 1024 : NaN, load_avg_1m: (load0 + load1) / 2 };
}

/** fp32 matMul GFLOP/s of torch.mm and numpy's @ (best and median of `reps`). */
export interface PeerMatMul {
  n: number;
  torch: { best_gflops: number; median_gflops: number };
  numpy: { best_gflops: number; median_gflops: number } | null;
}

const MATMUL_PY = `
import json, sys, time
n, reps, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
import torch
torch.set_num_threads(threads)
def bench(f):
    f()
    r = []
    for _ in range(reps):
        t = time.perf_counter(); f(); r.append(2 * n ** 3 / (time.perf_counter() - t) / 1e9)
    r.sort()
    return {"best_gflops": r[-1], "median_gflops": r[len(r) // 2]}
ta, tb = torch.rand(n, n), torch.rand(n, n)
out = {"n": n, "torch": bench(lambda: torch.mm(ta, tb)), "numpy": None}
try:
    import numpy as np
    a, b = np.random.rand(n, n).astype(np.float32), np.random.rand(n, n).astype(np.float32)
    out["numpy"] = bench(lambda: a @ b)
except ImportError:
    pass
print("JSON " + json.dumps(out))
`;

/** Measures matMul in the peer's Python (torch, and numpy when installed). */
export async function runPeerMatMul(python: string, n = 2048, reps = 5, threads = os.availableParallelism()): Promise<PeerMatMul> {
  const r = await exec(python, ['-c', MATMUL_PY, String(n), String(reps), String(threads)], { env: peerEnv(threads), timeoutMs: 600_000 });
  const json = r.stdout.split('\n').find((l) => l.startsWith('JSON '));
  if (r.code !== 0 || !json) throw new Error(`peer matMul benchmark failed: ${lastLine(r)}`);
  return JSON.parse(json.slice(5)) as PeerMatMul;
}
