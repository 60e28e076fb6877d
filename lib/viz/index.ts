/**
 * lib/viz: headless pictures. Image grids and labelled strips (PNG), charts (vega-lite -> SVG
 * -> PNG), animated GIFs and the run directory's loss plot; no browser, canvas or native tfjs.
 */
export * from './types';
export { encodePng, decodePng, pictureToPng } from './png';
export { imageGrid, gridPng, gridSize, toBytes, tensorToImages, imageAt } from './grid';
export type { GridOptions, GridPicture } from './grid';
export { upscaleNearest } from './resize';
export { imageStrip, imageStripSvg, labelledGridPng, labelledGridSvg } from './labelled';
export type { LabelledOptions, LabelledGridOptions } from './labelled';
export {
  lossChartSpec,
  barChartSpec,
  lineChartSpec,
  facetedBarChartSpec,
  renderSvg,
  writeChart,
  svgToPng,
  LOSS_SERIES,
  CHART_CONFIG,
  DEFAULT_MAX_POINTS,
} from './charts';
export type { ChartSpec, LossPoint, LossChartOptions, XYChartOptions, WriteChartOptions } from './charts';
export { downsampleIndices, smoothEma } from './downsample';
export { animatedGif } from './gif';
export type { GifFrame, GifOptions } from './gif';
export { readLossesCsv, writeLossPlot, LOSS_CSV_COLUMNS } from './losses-csv';
export type { LossRow, LossPlotOptions } from './losses-csv';
export { resolveFont, textWidth } from './fonts';
