// Display helpers. Money arrives as exact decimal strings and is shown as such (no float
// arithmetic on it); numbers are only made of it to draw charts.

/** "12.34" → "$12.34", "-0.0525" → "-$0.0525". */
export function usd(text) {
  if (typeof text !== 'string') return '–';
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}

/** "10.00" → "10", "2.50" → "2.5". */
export function count(text) {
  if (typeof text !== 'string') return '–';
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

export function sign(text) {
  if (typeof text !== 'string' || /^-?0(\.0*)?$/.test(text)) return '';
  return text.startsWith('-') ? 'neg' : 'pos';
}

export function duration(ms) {
  if (typeof ms !== 'number') return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} m ${Math.floor((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.floor((ms % 3_600_000) / 60_000)} m`;
}

export function ms(value) {
  return typeof value === 'number' ? `${value} ms` : '–';
}

export function clock(epochMs) {
  if (typeof epochMs !== 'number') return '–';
  return new Date(epochMs).toLocaleTimeString([], { hour12: false });
}

export function percent(utilization) {
  return `${(utilization * 100).toFixed(utilization >= 0.1 ? 0 : 1)}%`;
}

/** Bars turn amber from 75% of a limit and red from 90%. */
export function level(utilization) {
  if (utilization >= 0.9) return 'bad';
  if (utilization >= 0.75) return 'warn';
  return 'ok';
}
