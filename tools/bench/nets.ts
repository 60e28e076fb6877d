/**
 * The report's two networks as the benchmark names them: `celeba64` (64x64 colour) and `fer48`
 * (48x48 grayscale), with the study's widths (nz 100, ngf 64, ndf 64). These are the same configs
 * as bench/peer/dcgan_torch.py (`--config celeba64|fer48`).
 */
import { DcganSpec } from '../../lib/models/spec';

export type NetName = 'celeba64' | 'fer48';
export const NET_NAMES: readonly NetName[] = ['celeba64', 'fer48'];

export const BENCH_NETS: Record<NetName, DcganSpec> = {
  celeba64: { size: 64, channels: 3, nz: 100, ngf: 64, ndf: 64 },
  fer48: { size: 48, channels: 1, nz: 100, ngf: 64, ndf: 64 },
};

/** The spec of a benchmark net, with an error naming the allowed values. */
export function netSpec(name: string): DcganSpec {
  if (!(NET_NAMES as readonly string[]).includes(name)) {
    throw new Error(`bench: unknown net "${name}", expected one of ${NET_NAMES.join(', ')}`);
  }
  return BENCH_NETS[name as NetName];
}
