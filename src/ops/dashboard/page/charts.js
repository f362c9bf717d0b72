// The two charts (uPlot): the day's P&L, and token use per second over the last ten minutes.
// Each keeps its own columns and redraws with setData; sizes follow the panel's width.
import uPlot from './vendor/uPlot.esm.js';

const MAX_PNL_POINTS = 2000;
const BUDGET_WINDOW_S = 600;

function sizeFor(element) {
  return { width: Math.max(200, element.clientWidth - 4), height: 150 };
}

function axisStyle() {
  return { stroke: '#8592a3', grid: { stroke: '#2a323c', width: 1 }, ticks: { stroke: '#2a323c' } };
}

class Chart {
  constructor(element, series, valueFormat) {
    this.element = element;
    this.columns = series.map(() => []);
    this.columns.unshift([]);
    this.plot = new uPlot(
      {
        ...sizeFor(element),
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 1.5,
            value: (_u, v) => valueFormat(v),
          })),
        ],
        axes: [axisStyle(), { ...axisStyle(), size: 60, values: (_u, vals) => vals.map(valueFormat) }],
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      },
      this.columns,
      element,
    );
    new ResizeObserver(() => this.plot.setSize(sizeFor(element))).observe(element);
  }

  redraw() {
    this.plot.setData(this.columns);
  }
}

const money = (v) => (v === null || v === undefined ? '–' : `$${v.toFixed(2)}`);
const tokens = (v) => (v === null || v === undefined ? '–' : v.toFixed(0));

export class PnlChart extends Chart {
  constructor(element) {
    super(
      element,
      [
        { label: 'realised', color: '#58a6ff' },
        { label: 'marked', color: '#3fb950' },
      ],
      money,
    );
  }

  /** Points from /api/pnl: {at, realized, marked} with decimal-string dollars. */
  load(points) {
    this.columns = [[], [], []];
    for (const point of points) this.append(point.at, point.realized, point.marked, false);
    this.redraw();
  }

  append(at, realized, marked, redraw = true) {
    const [times, real, mark] = this.columns;
    const seconds = at / 1000;
    if (times.length > 0 && seconds <= times[times.length - 1]) return;
    times.push(seconds);
    real.push(Number(realized));
    mark.push(Number(marked));
    if (times.length > MAX_PNL_POINTS) {
      // Thin the older half: the recent past keeps its detail.
      const half = Math.floor(times.length / 2);
      for (const column of this.columns) {
        const older = column.slice(0, half).filter((_, i) => i % 2 === 0);
        column.splice(0, half, ...older);
      }
    }
    if (redraw) this.redraw();
  }
}

export class BudgetChart extends Chart {
  constructor(element) {
    super(
      element,
      [
        { label: 'read tokens/s', color: '#58a6ff' },
        { label: 'write tokens/s', color: '#d29922' },
      ],
      tokens,
    );
  }

  /** Samples from /api/budgets: {at, readSpent, writeSpent}. */
  load(samples) {
    this.columns = [[], [], []];
    for (const sample of samples) this.append(sample.at, sample.readSpent, sample.writeSpent, false);
    this.redraw();
  }

  append(at, read, write, redraw = true) {
    const [times, reads, writes] = this.columns;
    const seconds = at / 1000;
    if (times.length > 0 && seconds <= times[times.length - 1]) return;
    times.push(seconds);
    reads.push(read);
    writes.push(write);
    while (times.length > 0 && times[0] < seconds - BUDGET_WINDOW_S) for (const c of this.columns) c.shift();
    if (redraw) this.redraw();
  }
}
