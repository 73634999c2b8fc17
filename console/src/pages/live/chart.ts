/**
 * The Live page's chart of decisions and step-ups per minute: uPlot (MIT, maintained, 22,990 B gzip
 * minified), in a chunk of its own that the page imports only when it shows, so the console's entry does not
 * carry it. Colours come from the theme tokens at draw time, so light and dark both read.
 */
import { css } from 'lit';
import uPlot from 'uplot';
import type { LiveSeries } from './live-feed.js';

/** The part of uPlot's stylesheet the chart uses (no legend, no cursor), inside the page's shadow root. */
export const chartStyles = css`
  .uplot,
  .uplot * {
    box-sizing: border-box;
  }
  .uplot {
    width: min-content;
  }
  .u-wrap {
    position: relative;
    user-select: none;
  }
  .u-over,
  .u-under {
    position: absolute;
  }
  .u-under {
    overflow: hidden;
  }
  .uplot canvas {
    display: block;
    position: relative;
    width: 100%;
    height: 100%;
  }
  .u-axis {
    position: absolute;
  }
  .u-select,
  .u-cursor-x,
  .u-cursor-y,
  .u-cursor-pt {
    display: none;
  }
`;

export interface ChartColours {
  text: string;
  grid: string;
  decisions: string;
  stepUps: string;
}

export class LiveChart {
  private readonly plot: uPlot;

  constructor(container: HTMLElement, series: LiveSeries, colours: ChartColours, labels: { decisions: string; stepUps: string }) {
    const axis = { stroke: colours.text, grid: { stroke: colours.grid, width: 1 }, ticks: { stroke: colours.grid, width: 1 } };
    this.plot = new uPlot(
      {
        width: Math.max(container.clientWidth, 320),
        height: 180,
        legend: { show: false },
        cursor: { show: false },
        scales: { y: { range: (_, min, max) => [0, Math.max(1, max, min)] } },
        axes: [axis, { ...axis, size: 40 }],
        series: [{}, { label: labels.decisions, stroke: colours.decisions, width: 2 }, { label: labels.stepUps, stroke: colours.stepUps, width: 2 }],
      },
      [series.starts, series.decisions, series.stepUps],
      container,
    );
  }

  update(series: LiveSeries): void {
    this.plot.setData([series.starts, series.decisions, series.stepUps]);
  }

  destroy(): void {
    this.plot.destroy();
  }
}
