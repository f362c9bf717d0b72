// DOM building. Every value from the bot (tickers, reasons, ids come from the exchange or a
// strategy) goes in as text, never as HTML.
import { count, duration, level, percent, usd } from './format.js';

export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`dashboard page: #${id} is missing`);
  return element;
}

export function setText(id, text, className) {
  const element = byId(id);
  element.textContent = text;
  if (className !== undefined) element.className = className;
}

/** A table cell: text, or a node, with optional classes. */
export function cell(content, className) {
  const td = document.createElement('td');
  if (content instanceof Node) td.append(content);
  else td.textContent = content ?? '–';
  if (className) td.className = className;
  return td;
}

/** A ticker cell: cut with an ellipsis when long, the whole ticker on hover. */
export function ticker(text) {
  const td = cell(text, 'ticker');
  td.title = text;
  return td;
}

export function row(cells, className) {
  const tr = document.createElement('tr');
  tr.append(...cells);
  if (className) tr.className = className;
  return tr;
}

/** Replaces a tbody's rows; an empty list shows one muted line. */
export function fillBody(id, rows, columns, empty) {
  const body = byId(id);
  if (rows.length === 0) {
    const td = cell(empty, 'muted');
    td.colSpan = columns;
    body.replaceChildren(row([td]));
  } else {
    body.replaceChildren(...rows);
  }
}

export function bar(utilization) {
  const outer = document.createElement('div');
  outer.className = `bar ${level(utilization)}`;
  const inner = document.createElement('span');
  inner.style.width = `${Math.min(100, Math.max(0, utilization * 100))}%`;
  outer.append(inner);
  return outer;
}

/** value / limit with a bar, for a table cell or a block. */
export function limitNode(use, formatValue) {
  const wrap = document.createElement('div');
  wrap.className = 'cell-bar';
  const caption = document.createElement('span');
  caption.textContent = `${formatValue(use.value)} / ${formatValue(use.limit)}`;
  caption.title = percent(use.utilization);
  wrap.append(bar(use.utilization), caption);
  return wrap;
}

/** A labelled limit block: caption line and a bar under it. */
export function limitBlock(label, use, formatValue, id) {
  const block = document.createElement('div');
  block.className = 'limit';
  if (id) block.id = id;
  const caption = document.createElement('div');
  caption.className = 'caption';
  const name = document.createElement('span');
  name.textContent = label;
  const numbers = document.createElement('span');
  numbers.className = 'value';
  numbers.textContent = `${formatValue(use.value)} / ${formatValue(use.limit)} (${percent(use.utilization)})`;
  caption.append(name, numbers);
  block.append(caption, bar(use.utilization));
  return block;
}

export const asUsd = (value) => usd(value);
export const asCount = (value) => count(value);
export const asNumber = (value) => String(value);

export function sizeOf(rfq) {
  if (rfq.contracts !== undefined) return `${count(rfq.contracts)} ct`;
  if (rfq.targetCost !== undefined) return usd(rfq.targetCost);
  return '–';
}

export function ageOf(ms) {
  return duration(ms);
}
