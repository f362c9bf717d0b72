// The operator's page: renders each state the stream pushes (once a second), and acts only
// through POST /kill and /resume with the ops token.
import { action, getJson, HttpError, openStream, savedToken, saveToken } from './api.js';
import { BudgetChart, PnlChart } from './charts.js';
import { clock, count, duration, ms, sign, usd } from './format.js';
import {
  ageOf,
  asCount,
  asNumber,
  asUsd,
  byId,
  cell,
  fillBody,
  limitBlock,
  limitNode,
  row,
  setText,
  sizeOf,
  ticker,
} from './render.js';

const pnlChart = new PnlChart(byId('pnl-chart'));
const budgetChart = new BudgetChart(byId('budget-chart'));
let lastSpent;
let historyLoaded = false;

function renderStatus(state) {
  const { status } = state;
  setText('environment', `${state.environment}${state.dryRun ? ' · dry run' : ''}`);
  setText('ready', status.ready ? 'ready' : 'not ready', `badge ${status.ready ? 'ok' : 'bad'}`);
  const kill = status.killSwitch;
  setText('kill-state', kill.active ? 'KILLED' : 'quoting', `badge ${kill.active ? 'bad' : 'ok'}`);
  setText(
    'kill-detail',
    kill.active
      ? `active since ${clock(kill.since)} (${kill.source ?? '?'}): ${kill.reason ?? ''}`
      : `off (${kill.trips} trips since start)${kill.killFilePresent ? ', kill file present' : ''}`,
  );
  const { push, poller, books } = status.exchange;
  setText('push', push.enabled ? (push.connected ? 'connected' : 'DISCONNECTED') : 'off (polling only)');
  setText(
    'books',
    books
      ? `${books.live} streamed of ${books.watched} watched${books.drifts > 0 ? `, ${books.drifts} corrected by a snapshot` : ''}`
      : 'read per RFQ',
  );
  setText(
    'last-poll',
    poller.lastCycleAt === undefined
      ? 'never'
      : `${clock(poller.lastCycleAt)} (${duration(poller.ageMs)} ago, every ${duration(poller.intervalMs)})`,
  );
  const journal = status.journal;
  setText(
    'journal',
    !journal.enabled
      ? 'off'
      : journal.ok
        ? `ok, ${journal.written} written, ${journal.pending} pending${journal.dropped ? `, ${journal.dropped} dropped` : ''}`
        : `FAILING: ${journal.error ?? 'unknown error'}`,
  );
  fillList(
    'checks',
    status.checks.map((check) =>
      listItem(check.ok, `${check.name}${check.detail ? `: ${check.detail}` : ''}`),
    ),
  );
  fillList(
    'windows',
    status.windows.map((w) =>
      listItem(
        w.active,
        `${w.name}: ${w.alwaysActive ? 'always open' : w.active ? `open (${w.activeWindow ?? ''})` : 'closed'}${
          w.nextChangeAt
            ? `, ${w.active ? 'closes' : 'opens'} ${new Date(w.nextChangeAt).toLocaleString()}`
            : ''
        }`,
      ),
    ),
  );
}

function fillList(id, items) {
  byId(id).replaceChildren(...items);
}

function listItem(ok, text) {
  const li = document.createElement('li');
  li.className = ok ? 'ok' : 'bad';
  li.textContent = text;
  return li;
}

function renderPnl(state) {
  const { pnl } = state;
  setText('pnl-day', pnl.day);
  setText('pnl-realized', usd(pnl.realized), `big ${sign(pnl.realized)}`);
  setText('pnl-marked', usd(pnl.marked), `big ${sign(pnl.marked)}`);
  setText('pnl-peak', usd(pnl.peak));
  if (historyLoaded) pnlChart.append(state.at, pnl.realized, pnl.marked);
}

function renderActivity(state) {
  const c = state.counters;
  setText('count-rfqs-seen', String(c.rfqsSeen));
  setText('count-quoted', String(c.quoted));
  setText('count-accepted', String(c.accepted));
  setText('count-confirmed', String(c.confirmed));
  setText('count-executed', String(c.executed));
  const latencyRow = (name, id, s) => {
    const total = cell(String(s.count), 'num');
    total.id = id;
    const percentiles = [s.p50Ms, s.p90Ms, s.p99Ms, s.maxMs].map((value) => cell(ms(value), 'num'));
    return row([cell(name), cell(String(s.samples), 'num'), ...percentiles, total]);
  };
  fillBody(
    'latency',
    [
      latencyRow('RFQ → quote', 'latency-rfq-count', state.latency.rfqToQuote),
      latencyRow('accept → confirm', 'latency-confirm-count', state.latency.acceptToConfirm),
    ],
    7,
    '',
  );
}

function renderBudgets(state) {
  const blocks = ['read', 'write'].map((bucket) => {
    const b = state.budgets[bucket];
    const used = b.capacity > 0 ? 1 - b.available / b.capacity : 0;
    const slowed = b.slowdown < 1 ? `, SLOWED to ${b.refillRate}/s after a 429` : '';
    return limitBlock(
      `${bucket} (${b.nominalRefillRate}/s${slowed}), ${b.queued} queued, used`,
      { value: Math.round(b.capacity - b.available), limit: b.capacity, utilization: used },
      asNumber,
      `budget-${bucket}`,
    );
  });
  byId('budget-bars').replaceChildren(...blocks);
  const spent = { read: state.budgets.read.spent, write: state.budgets.write.spent, at: state.at };
  if (historyLoaded && lastSpent && spent.at > lastSpent.at) {
    const seconds = (spent.at - lastSpent.at) / 1000;
    budgetChart.append(
      state.at,
      (spent.read - lastSpent.read) / seconds,
      (spent.write - lastSpent.write) / seconds,
    );
  }
  lastSpent = spent;
}

function renderExposure(state) {
  const e = state.exposure;
  setText('exposure-model', `(${e.model})`);
  byId('exposure-totals').replaceChildren(
    limitBlock('Total worst-case exposure', e.total, asUsd, 'exposure-total'),
    limitBlock('Live quotes', e.openQuotes, asNumber, 'exposure-quotes'),
    limitBlock('Daily loss', e.dailyLoss, asUsd, 'exposure-loss'),
  );
  setText('market-count', `(${e.marketCount})`);
  setText('event-count', `(${e.eventCount})`);
  fillBody(
    'markets',
    e.markets.map((m) =>
      row([
        ticker(m.marketTicker),
        cell(count(m.position), 'num'),
        cell(limitNode(m.contracts, asCount)),
        cell(limitNode(m.dollars, asUsd)),
        cell(limitNode(m.quotes, asNumber)),
      ]),
    ),
    5,
    'no positions or quotes',
  );
  fillBody(
    'events',
    e.events.map((ev) =>
      row([
        ticker(ev.eventTicker),
        cell(limitNode(ev.contracts, asCount)),
        cell(limitNode(ev.dollars, asUsd)),
        cell(limitNode(ev.quotes, asNumber)),
      ]),
    ),
    4,
    'none',
  );
}

function renderRfqs(state) {
  const { rfqs } = state;
  setText('rfq-count', `(${rfqs.open} open, ${rfqs.liveQuotes} quoted live)`);
  fillBody(
    'rfqs',
    rfqs.rows.map((r) => {
      const q = r.quote;
      return row([
        cell(r.rfqId),
        ticker(r.marketTicker),
        cell(sizeOf(r), 'num'),
        cell(ageOf(r.ageMs), 'num'),
        cell(q?.strategy),
        cell(q?.state ?? 'not quoted', q ? '' : 'muted'),
        cell(q ? usd(q.yesBid) : '', 'num'),
        cell(q ? usd(q.noBid) : '', 'num'),
        cell(q ? `${count(q.yesContracts)} / ${count(q.noContracts)}` : '', 'num'),
        cell(q ? ageOf(q.ageMs) : '', 'num'),
        cell(q ? ageOf(q.ttlLeftMs) : '', 'num'),
      ]);
    }),
    11,
    'no open RFQs',
  );
}

function renderAccepts(state) {
  fillBody(
    'accepts',
    state.accepts.map((a) =>
      row([
        cell(clock(a.at)),
        ticker(a.marketTicker),
        cell(a.side),
        cell(count(a.contracts), 'num'),
        cell(usd(a.price), 'num'),
        cell(a.lastLook),
        cell(a.outcome),
        cell(a.confirmLatencyMs === undefined ? '–' : ms(a.confirmLatencyMs), 'num'),
        cell(a.reason ?? '', 'reason'),
      ]),
    ),
    9,
    'no accepts yet',
  );
}

function renderFills(state) {
  const { fills } = state;
  setText(
    'fills-summary',
    `(${fills.today.count} fills, ${count(fills.today.contracts)} contracts; ${fills.source})`,
  );
  fillBody(
    'fills',
    fills.recent.map((f) =>
      row([
        cell(clock(f.at)),
        ticker(f.marketTicker),
        cell(f.side),
        cell(count(f.contracts), 'num'),
        cell(usd(f.price), 'num'),
        cell(f.fee === undefined ? '–' : usd(f.fee), 'num'),
        cell(f.strategy ?? '–'),
      ]),
    ),
    7,
    'no fills today',
  );
}

function render(state) {
  for (const part of [renderStatus, renderPnl, renderActivity, renderBudgets, renderExposure, renderRfqs]) {
    part(state);
  }
  renderAccepts(state);
  renderFills(state);
  setText('updated', clock(state.at));
  document.body.dataset.stateAt = String(state.at);
}

async function loadHistory() {
  try {
    const [pnl, budgets] = await Promise.all([getJson('/api/pnl'), getJson('/api/budgets')]);
    pnlChart.load(pnl.points);
    budgetChart.load(budgets.samples);
    historyLoaded = true;
  } catch (error) {
    setText('connection', `history unavailable: ${error.message}`);
  }
}

const stream = openStream({
  onState: render,
  onActivity: (event) => {
    if (event.type === 'kill_switch') {
      setText('kill-state', event.active ? 'KILLED' : 'quoting', `badge ${event.active ? 'bad' : 'ok'}`);
    }
  },
  onStatus: (status) => {
    const text = {
      live: 'live',
      reconnecting: 'reconnecting…',
      paused: 'paused (tab hidden)',
      unauthorized: 'this server needs a token to read: enter OPS_METRICS_TOKEN or OPS_TOKEN',
    }[status];
    setText('connection', text ?? status, status === 'live' ? 'muted' : 'neg');
    if (status === 'live' && !historyLoaded) void loadHistory();
  },
});

// The field is emptied once the token is kept: it is never shown again, only replaced.
const tokenInput = byId('token');
const showTokenState = () => {
  tokenInput.value = '';
  tokenInput.placeholder = savedToken() ? 'kept for this tab' : 'OPS_TOKEN';
};
showTokenState();
const useToken = () => {
  const value = tokenInput.value.trim();
  if (value) saveToken(value);
  showTokenState();
  setText('action-result', savedToken() ? 'token kept for this tab' : 'no token', 'muted');
  stream.reconnect();
};
byId('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  useToken();
});
byId('token-forget').addEventListener('click', () => {
  saveToken('');
  showTokenState();
  setText('action-result', 'token forgotten', 'muted');
});

async function act(name) {
  if (!savedToken()) {
    setText('action-result', `${name} needs the ops token (OPS_TOKEN): enter it first`, 'neg');
    return;
  }
  setText('action-result', `${name}…`, 'muted');
  try {
    const result = await action(name, 'dashboard');
    setText('action-result', `${name}: ${result.status}`, 'pos');
  } catch (error) {
    const text =
      error instanceof HttpError && error.status === 401 ? 'wrong or missing ops token' : error.message;
    setText('action-result', `${name} refused: ${text}`, 'neg');
  }
}
byId('btn-kill').addEventListener('click', () => void act('kill'));
byId('btn-resume').addEventListener('click', () => void act('resume'));
