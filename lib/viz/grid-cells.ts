/**
 * Taking pictures apart: the images of a grid picture (the inverse of `imageGrid`) and an even
 * spread of items (frames of a strip or GIF) that keeps the first and the last.
 */
import type { Picture } from './types';

/** At most `max` items spread evenly, always keeping the first and the last. */
export function spread<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  if (max <= 1) return [items[items.length - 1]];
  return Array.from({ length: max }, (_, k) => items[Math.round((k * (items.length - 1)) / (max - 1))]);
}

/**
 * The first `count` images of a grid picture laid out as lib/viz's `imageGrid` does (torchvision
 * layout, `padding` px around `size` x `size` images).
 */
export function gridCells(grid: Picture, size: number, count: number, padding = 2): Picture[] {
  const cols = Math.floor((grid.width - padding) / (size + padding));
  const rows = Math.floor((grid.height - padding) / (size + padding));
  if (cols < 1 || rows < 1) throw new Error(`gridCells: a ${grid.width}x${grid.height} grid holds no ${size}x${size} image`);
  const n = Math.min(count, cols * rows);
  const ch = grid.channels;
  return Array.from({ length: n }, (_, i) => {
    const x0 = padding + (i % cols) * (size + padding);
    const y0 = padding + Math.floor(i / cols) * (size + padding);
    const pixels = new Uint8Array(size * size * ch);
    for (let y = 0; y < size; y++) {
      const from = ((y0 + y) * grid.width + x0) * ch;
      pixels.set(grid.pixels.subarray(from, from + size * ch), y * size * ch);
    }
    return { pixels, width: size, height: size, channels: ch };
  });
}
