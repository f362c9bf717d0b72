/**
 * The config schema: the one source of truth for the `Config` type, for validation, for the
 * README's reference (scripts/config-reference.ts) and for which keys reload without a restart.
 * Money and sizes are written as decimal strings and carried as integer micros / centis.
 */
import { z } from 'zod';
import { USAGE_TIERS, type UsageTier } from '../domain/rate-limits.js';
import { checkConfig } from './checks.js';
import { EXCHANGE_ENVIRONMENTS } from './environments.js';
import {
  boolean,
  contractCount,
  cronExpression,
  decimal,
  dollarAmount,
  globList,
  integer,
  meta,
  millis,
  oneOf,
  strategyName,
  stringList,
  text,
  timeZone,
  url,
} from './fields.js';

const TIERS = USAGE_TIERS as [UsageTier, ...UsageTier[]];

/** A strict map: unknown keys are refused. `what` names it in "expected …" messages. */
function section<T extends z.ZodRawShape>(what: string, shape: T) {
  return z.strictObject(shape, { error: `a map of ${what}` });
}

const retrySchema = section('retry settings', {
  maxAttempts: meta(integer({ min: 1 }).default(4), {
    description:
      'Attempts per read, create or delete, the first included (reads retry 429s, 5xx, network errors and time-outs; a create whose answer was lost is first looked for; confirms retry while their window is open).',
  }),
  baseDelayMs: meta(millis(0).default(100), {
    description: 'First back-off delay; doubles per attempt, with jitter.',
  }),
  maxDelayMs: meta(millis(0).default(2000), { description: 'Longest back-off delay.' }),
});

const marketCacheSchema = section('market cache settings', {
  marketTtlMs: meta(millis(100).default(10_000), {
    description:
      'How long a market’s metadata read from the exchange (status, price grid) is used before it is read again.',
  }),
  keepWarmMs: meta(millis(0).default(60_000), {
    description:
      'Markets asked for within this long are read again in batches of 100 (GET /markets?tickers=) before their copy expires, so an RFQ’s pricing reads only the order book; 0 turns it off.',
  }),
  keepWarmMax: meta(integer({ min: 1 }).default(1000), {
    description:
      'Most markets read again a look (the soonest to expire first; twice as many are tracked): 10 reads every 5 s at most.',
  }),
  streamBooks: meta(boolean().default(true), {
    description:
      'Order books of markets asked for within keepWarmMs (at most keepWarmMax) come from the orderbook_delta websocket channel instead of a REST read per RFQ; needs poller.websocket. A market the exchange will not stream (Kalshi does not say whether combos are served) is read over REST.',
  }),
  bookResyncMs: meta(millis(0).default(60_000), {
    description:
      'Every this long each streamed book is snapshotted again (get_snapshot) and compared with the book its changes built; a difference is counted (kalshi_rfq_streamed_books{state="drifts"}) and the snapshot replaces it. 0 turns it off.',
  }),
});

export const exchangeSchema = meta(
  section('exchange settings', {
    environment: meta(oneOf(EXCHANGE_ENVIRONMENTS).default('simulator'), {
      description:
        'Which exchange to trade on: the embedded simulator (no keys, fake money), Kalshi demo or production (both need keys).',
    }),
    baseUrl: meta(url(['https:', 'http:'], '/trade-api/v2').optional(), {
      description: 'Overrides the REST base URL of the environment; empty = the environment’s.',
      defaultLabel: 'per environment',
    }),
    wsUrl: meta(url(['wss:', 'ws:']).optional(), {
      description:
        'Overrides the WebSocket URL; empty = derived from baseUrl when that is set (http → ws, https → wss, /trade-api/v2 → /trade-api/ws/v2), else the environment’s.',
      defaultLabel: 'per environment',
    }),
    apiKeyId: meta(text('an API key id').optional(), {
      description:
        'API key id; set it through the environment (KALSHI_API_KEY_ID), never as a literal. Needed for demo and production.',
      secret: true,
    }),
    privateKeyPath: meta(text('a file path').optional(), {
      description:
        'File holding the RSA private key (PEM). Alternatively set the PEM itself in KALSHI_PRIVATE_KEY_PEM. Relative to the config file.',
    }),
    confirmProduction: meta(boolean().default(false), {
      description:
        'Must be true to start against production: a guard against trading real money by accident.',
    }),
    pathStyle: meta(oneOf(['rfq-scoped', 'legacy']).default('rfq-scoped'), {
      description:
        'Quote endpoints: RFQ-scoped (/communications/rfqs/{rfq}/quotes/{quote}/…) or the deprecated quote-id-only routes.',
    }),
    subaccount: meta(integer({ min: 0, max: 63 }).default(0), {
      description: 'Subaccount to quote from: 0 is the primary account.',
    }),
    tier: meta(oneOf(['auto', ...TIERS]).default('auto'), {
      description: 'Rate-limit tier; auto reads GET /account/limits at startup.',
    }),
    requestTimeoutMs: meta(millis(1).default(10000), { description: 'Time limit of one HTTP request.' }),
    maxResponseBytes: meta(integer({ min: 65536, max: 1073741824, what: 'bytes' }).default(8388608), {
      description:
        'Largest exchange response body read (8 MiB): a longer one fails that request (ResponseTooLargeError) instead of being buffered; also the largest websocket message.',
    }),
    httpClient: meta(oneOf(['node', 'fetch']).default('node'), {
      description:
        'How requests go out: node (node:http with keep-alive connections: 10–17% less CPU per signed read and a third less per create, and a third of the p99, npm run bench:http) or fetch (the runtime’s fetch, undici), the fallback should a proxy or TLS setup need it.',
      reload: 'restart',
    }),
    retry: meta(retrySchema.prefault({}), { description: 'Retries of failed requests.' }),
    budgetSafety: meta(decimal({ min: 0, minExclusive: true, max: 1 }).default(0.95), {
      description: 'Fraction of the tier’s refill rate the bot allows itself.',
    }),
    signPublicReads: meta(oneOf(['auto', 'always']).default('auto'), {
      description:
        'Public market data (markets, order books, events, series): auto sends it unsigned (one RSA signature less per read) and signs an endpoint once the exchange refuses it unsigned; always signs everything.',
      reload: 'restart',
    }),
    confirmReserveTokens: meta(integer({ min: 0 }).default(30), {
      description:
        'Write tokens held back for confirms (three confirms by default): creates and deletes never spend them.',
    }),
    confirmWindowMs: meta(millis(1).default(30000), {
      description: 'Accept-to-confirm window on standard markets.',
    }),
    hvmConfirmWindowMs: meta(millis(1).default(3000), {
      description: 'Accept-to-confirm window on high-volatility markets (hvmMarkets).',
    }),
    hvmMarkets: meta(globList().default(['KXMVE*']), {
      description:
        'Ticker globs of markets treated as high-volatility (the API has no flag for it; all combo markets are).',
    }),
    standardMarkets: meta(globList().default([]), {
      description:
        'Ticker globs of markets known to have the standard window; a market on neither list gets unknownMarketConfirmWindowMs until the bot learns its kind.',
    }),
    unknownMarketConfirmWindowMs: meta(millis(1).default(3000), {
      description:
        'Accept-to-confirm window assumed on a market neither hvmMarkets nor standardMarkets names, until learned from its executions.',
    }),
    endpointCosts: meta(oneOf(['auto', 'static']).default('auto'), {
      description:
        'Token cost per endpoint: auto reads GET /account/endpoint_costs at startup, static uses the built-in table.',
    }),
    marketCache: meta(marketCacheSchema.prefault({}), {
      description: 'Market metadata: how long a read is used, and which markets are kept fresh in batches.',
    }),
  }),
  { reload: 'restart' },
);

export const simulatorSchema = meta(
  section('simulator settings', {
    seed: meta(integer().default(42), { description: 'Random seed: the same seed replays the same market.' }),
    takersPerMinute: meta(decimal({ min: 0 }).default(30), {
      description: 'Synthetic RFQs per minute from simulated takers; 0 turns them off.',
    }),
    tier: meta(oneOf(TIERS).default('basic'), { description: 'Rate-limit tier the simulator enforces.' }),
    confirmWindowMs: meta(millis(1).default(30000), { description: 'Accept-to-confirm window it enforces.' }),
    executionDelayMs: meta(millis(0).default(15000), { description: 'Delay from confirm to execution.' }),
    faults: meta(z.string({ error: 'a fault spec string' }).default(''), {
      description: 'Fault injection spec (see the simulator docs); empty = no faults.',
      type: 'string',
    }),
    startingBalance: meta(dollarAmount('non-negative', '10000').prefault('10000'), {
      description: 'Starting cash balance in dollars.',
    }),
    port: meta(integer({ min: 0, max: 65535 }).default(0), {
      description: 'Port of the embedded simulator; 0 = any free port.',
    }),
  }),
  { reload: 'restart' },
);

const filtersSchema = section('RFQ filters', {
  eventTickers: meta(stringList('an event ticker').default([]), {
    description: 'Only RFQs on these events; empty = all.',
  }),
  marketTickers: meta(stringList('a market ticker').default([]), {
    description: 'Only RFQs on these markets; empty = all.',
  }),
  tickerGlobs: meta(globList().default([]), {
    description: 'Only RFQs whose market ticker matches one of these globs; empty = all.',
  }),
  minContracts: meta(contractCount('positive', '10').optional(), {
    description: 'Ignore contract-sized RFQs smaller than this.',
  }),
  maxContracts: meta(contractCount('positive', '1000').optional(), {
    description: 'Ignore contract-sized RFQs larger than this.',
  }),
  minTargetCost: meta(dollarAmount('positive', '5').optional(), {
    description: 'Ignore target-cost RFQs asking for less than this many dollars.',
  }),
  maxTargetCost: meta(dollarAmount('positive', '500').optional(), {
    description: 'Ignore target-cost RFQs asking for more than this many dollars.',
  }),
});

export const pollerSchema = meta(
  section('poller settings', {
    intervalMs: meta(millis(50).default(1000), {
      description: 'Pause between two polls of the open RFQs.',
      reload: 'restart',
    }),
    intervalWithPushMs: meta(millis(50).default(30000), {
      description:
        'Pause between polls while the websocket push is connected: the poll then only reconciles (a gap, a reconnect or RFQs the push left to it ask for one at once).',
      reload: 'restart',
    }),
    pageSize: meta(integer({ min: 1, max: 100 }).default(100), { description: 'RFQs per page.' }),
    maxPages: meta(integer({ min: 1 }).default(200), { description: 'Most pages read in one cycle.' }),
    minReadTokens: meta(integer({ min: 0 }).default(20), {
      description: 'Skip a cycle when the read bucket holds fewer tokens.',
    }),
    maxBudgetSkips: meta(integer({ min: 0 }).default(3), {
      description:
        'Cycles skipped in a row for minReadTokens before the next lists anyway, its reads queued behind the more urgent ones: other reads must not starve the listing.',
    }),
    filters: meta(filtersSchema.prefault({}), { description: 'Which RFQs are considered at all.' }),
    ignoreOwnRfqs: meta(boolean().default(true), { description: 'Never quote RFQs we created ourselves.' }),
    websocket: meta(boolean().default(true), {
      description:
        'Also learn of new RFQs, and of accepts of our quotes, from the communications websocket (push); the poller keeps reconciling.',
      reload: 'restart',
    }),
  }),
  { reload: 'hot' },
);

const windowSchema = section('trading window settings', {
  cron: meta(cronExpression(), {
    description: 'node-cron expression; the minutes it matches are active (e.g. "* 9-16 * * 1-5").',
  }),
  timezone: meta(timeZone().default('UTC'), { description: 'Time zone the expression is read in.' }),
});

function windowList(description: string) {
  return meta(z.array(windowSchema, { error: 'a list of trading windows' }), {
    description,
    type: 'list of windows',
  });
}

const matchSchema = section('route match settings', {
  markets: meta(globList().default([]), { description: 'Market ticker globs.' }),
  events: meta(globList().default([]), { description: 'Event ticker globs.' }),
  series: meta(globList().default([]), { description: 'Series ticker globs.' }),
});

const routeSchema = section('route settings', {
  name: meta(text('a route name').optional(), {
    description: 'Label in logs and metrics, unique; defaults to `<strategy>#<position>`.',
  }),
  match: meta(matchSchema.prefault({}), {
    description: 'Which RFQs the route takes: every listed kind must match (an empty match takes all).',
  }),
  strategy: meta(strategyName(), { description: 'Name of the strategy plugin that prices these RFQs.' }),
  options: meta(z.record(z.string(), z.unknown(), { error: 'a map of strategy options' }).default({}), {
    description: 'Options passed to the strategy, validated by the strategy at startup.',
    type: 'map',
  }),
  windows: windowList(
    'When set, the route quotes only inside these windows (risk.windows still apply).',
  ).optional(),
  isolation: meta(oneOf(['worker', 'in-process']).default('worker'), {
    description:
      'Where the strategy runs: worker (a worker thread: a loop, crash or process.exit costs a skip, not the bot) or in-process (the bot’s own thread: one message hop faster, for trusted code only).',
  }),
});

const workersSchema = section('strategy worker settings', {
  size: meta(integer({ min: 1, max: 64 }).default(2), {
    description: 'Worker threads running the strategies of isolation: worker routes.',
  }),
  hardTimeoutMs: meta(millis(50).default(1000), {
    description:
      'A worker whose event loop does not answer for this long (an endless loop) is terminated and replaced; at least strategies.timeoutMs.',
  }),
  maxMemoryMb: meta(integer({ min: 16 }).default(128), {
    description: 'Heap limit of one worker in MB; a worker past it is replaced.',
  }),
  youngGenerationMb: meta(integer({ min: 1, max: 256 }).default(48), {
    description:
      "Young-generation size of one worker in MB. A worker's garbage collections are most of the worker hop's p99: larger collects less often (bench:worker-hop p99 added 1.0-2.9 ms at 8, 0.3-0.6 ms at 48) for up to that much more RSS per worker.",
  }),
});

const breakerSchema = section('circuit breaker settings', {
  maxFailures: meta(integer({ min: 0 }).default(5), {
    description:
      'Strategy failures (throws, time-outs, crashes; not market-data trouble) within windowMs that disable a route; 0 never disables.',
  }),
  windowMs: meta(millis(1).default(60_000), { description: 'The window failures are counted in.' }),
  cooldownMs: meta(millis(0).default(300_000), {
    description:
      'A disabled route is tried again after this long, on probation (one more failure disables it again); 0 = only a config reload re-enables it.',
  }),
});

export const strategiesSchema = meta(
  section('strategy settings', {
    dir: meta(text('a directory path').default('./strategies'), {
      description: 'Folder the strategy plugins are loaded from. Relative to the config file.',
      reload: 'restart',
    }),
    timeoutMs: meta(millis(1).default(250), { description: 'Time limit of one strategy call.' }),
    maxConcurrentPrices: meta(integer({ min: 1, max: 10_000 }).default(32), {
      description:
        'Most price calls running at once; more wait in arrival order, their time limit not yet running.',
      reload: 'restart',
    }),
    routes: meta(
      z
        .array(routeSchema, { error: 'a list of routes' })
        .default([])
        .transform((routes) =>
          routes.map((route, i) => ({ ...route, name: route.name ?? `${route.strategy}#${i + 1}` })),
        ),
      {
        description: 'Which strategy prices which RFQs; the first matching route wins.',
        type: 'list of routes',
      },
    ),
    workers: meta(workersSchema.prefault({}), {
      description: 'The worker-thread pool of isolation: worker routes.',
      reload: 'restart',
    }),
    circuitBreaker: meta(breakerSchema.prefault({}), {
      description:
        'When repeated strategy failures disable a route (one error log line; its RFQs are skipped).',
      reload: 'restart',
    }),
  }),
  { reload: 'hot' },
);

export const quotingSchema = meta(
  section('quoting settings', {
    ttlMs: meta(millis(1).default(15000), {
      description: 'A quote older than this is pulled by the sweeper.',
    }),
    restRemainder: meta(boolean().default(false), {
      description: 'Sent with each quote: whether the unfilled remainder rests on the book.',
    }),
    postOnly: meta(boolean().default(true), { description: 'Sent with each quote: maker-only.' }),
    onStartup: meta(oneOf(['delete', 'adopt']).default('delete'), {
      description: 'What to do with our open quotes found at startup (applies at the next start).',
    }),
    fairValueTolerance: meta(dollarAmount('positive', '0.02').prefault('0.02'), {
      description: 'The sweeper pulls a quote when the fair value moved more than this (dollars).',
    }),
    sweepIntervalMs: meta(millis(50).default(1000), {
      description: 'How often the sweeper looks for stale quotes.',
      reload: 'restart',
    }),
    acceptPollIntervalMs: meta(millis(10).default(250), {
      description: 'How often our quotes are polled for accepts.',
      reload: 'restart',
    }),
    confirmSafetyMarginMs: meta(millis(0).default(250), {
      description: 'Never send a confirm with less of the confirm window left.',
    }),
    closedRfqDeleteAfterMs: meta(millis(0).default(2000), {
      description:
        "How long after an RFQ closes the exchange has to report our quote on it cancelled (it cancels a closed RFQ's quotes: the simulator does, Kalshi's documents imply it) before the bot deletes the quote itself; saves a delete's write tokens for every closed RFQ. 0 deletes at once.",
    }),
    requoteOnSweep: meta(boolean().default(true), {
      description: 'Re-price an RFQ after its quote was swept while it is still open.',
    }),
    shutdownTimeoutMs: meta(millis(1).default(20000), {
      description: 'Longest graceful shutdown (pull quotes, drain the queue) before exiting anyway.',
    }),
    fillSettleMs: meta(millis(0).default(2000), {
      description:
        "How long after an execution its fills have to show before the bot reads the quote's order to settle it (filled, partial, none or resting).",
    }),
    fullListingIntervalMs: meta(millis(100).default(5000), {
      description:
        'How often every open quote of ours is listed: one missing from it that the exchange answers 404 for was flushed (a server roll) and is replaced; strays are deleted.',
      reload: 'restart',
    }),
    fillSyncIntervalMs: meta(millis(100).default(10000), {
      description:
        'How often GET /portfolio/fills is read for fills the websocket missed (also after every gap and reconnect).',
      reload: 'restart',
    }),
  }),
  { reload: 'hot' },
);

function positionLimit(what: string, contracts: string, dollars: string) {
  return section(`${what} position limits`, {
    contracts: meta(contractCount('positive', contracts).prefault(contracts), {
      description: `Largest absolute position per ${what}, in contracts.`,
    }),
    dollars: meta(dollarAmount('positive', dollars).prefault(dollars), {
      description: `Largest worst-case loss per ${what}, in dollars.`,
    }),
  });
}

export const riskSchema = meta(
  section('risk settings', {
    exposureModel: meta(oneOf(['worst-case', 'expected']).default('worst-case'), {
      description:
        'worst-case counts every live quote as hit (on whichever side is worse for the limit); expected counts open quotes at expectedHitRate. Accepted quotes always count as filled.',
    }),
    expectedHitRate: meta(decimal({ min: 0, max: 1 }).default(0), {
      description:
        'Under exposureModel expected: the chance (0 to 1) an open quote is hit; 0 ignores open quotes.',
    }),
    onBreach: meta(oneOf(['refuse', 'clip']).default('refuse'), {
      description: 'When a limit would be breached: refuse the quote, or clip (decline the offending side).',
    }),
    maxContractsPerQuote: meta(contractCount('positive', '500').prefault('500'), {
      description: 'Largest size of one quote, in contracts.',
    }),
    maxDollarsPerQuote: meta(dollarAmount('positive', '250').prefault('250'), {
      description: 'Largest worst-case cost of one quote, in dollars.',
    }),
    maxOpenQuotes: meta(integer({ min: 1 }).default(200), { description: 'Most live quotes at once.' }),
    maxOpenQuotesPerMarket: meta(integer({ min: 1 }).default(5), {
      description: 'Most live quotes per market.',
    }),
    maxOpenQuotesPerEvent: meta(integer({ min: 1 }).default(20), {
      description: 'Most live quotes per event.',
    }),
    maxPositionPerMarket: meta(positionLimit('market', '1000', '500').prefault({}), {
      description: 'Position limits per market.',
    }),
    maxPositionPerEvent: meta(positionLimit('event', '2500', '1500').prefault({}), {
      description: 'Position limits per event.',
    }),
    maxTotalExposure: meta(dollarAmount('positive', '5000').prefault('5000'), {
      description: 'Largest total exposure (positions plus open quotes), in dollars.',
    }),
    maxDailyLoss: meta(dollarAmount('positive', '500').prefault('500'), {
      description: 'Stop quoting for the day after losing this many dollars.',
    }),
    minEdge: meta(dollarAmount('non-negative', '0.01', '1').prefault('0.01'), {
      description: 'Least edge per contract against the strategy’s fair value, in dollars.',
    }),
    reconcileCron: meta(cronExpression('*/30 * * * * *').default('*/30 * * * * *'), {
      description: 'When positions and quotes are reconciled with the exchange (node-cron, seconds first).',
      reload: 'restart',
    }),
    killSwitch: meta(
      section('kill switch settings', {
        file: meta(text('a file path').default('./KILL'), {
          description: 'Quoting stops while this file exists. Relative to the config file.',
          reload: 'restart',
        }),
        maxConsecutiveErrors: meta(integer({ min: 1 }).default(20), {
          description: 'Trip after this many exchange errors in a row.',
        }),
        maxDrawdown: meta(dollarAmount('positive', '1000').prefault('1000'), {
          description: 'Trip when the day’s P&L falls this many dollars below its peak.',
        }),
      }).prefault({}),
      { description: 'Automatic and manual stops.' },
    ),
    windows: meta(windowList('Trading windows; empty = always active.').default([]), {}),
    dayStartTimezone: meta(timeZone().default('UTC'), {
      description: 'Time zone whose midnight resets the daily loss.',
      reload: 'restart',
    }),
  }),
  { reload: 'hot' },
);

export const opsSchema = meta(
  section('ops server settings', {
    host: meta(text('a host name or address').default('127.0.0.1'), {
      description: 'Address the ops HTTP server binds to (health, readiness, metrics, kill).',
    }),
    port: meta(integer({ min: 0, max: 65535 }).default(9464), {
      description:
        'Port of the ops HTTP server; 0 = any free port. The kill/resume token comes from OPS_TOKEN, the metrics token from OPS_METRICS_TOKEN.',
    }),
    maxConnections: meta(integer({ min: 1, max: 10000 }).default(32), {
      description:
        'Most open connections at once, dashboard streams not counted; further ones are closed at once.',
    }),
    maxStreams: meta(integer({ min: 1, max: 1000 }).default(32), {
      description:
        'Most dashboard event streams (GET /api/stream) at once, on top of maxConnections; another is answered 503.',
    }),
    dashboard: meta(boolean().default(true), {
      description: 'Serve the dashboard page at / and its JSON API under /api/ (same read rule as /metrics).',
    }),
    headersTimeoutMs: meta(millis(100).default(5000), {
      description:
        'A connection whose request headers are not complete within this is answered 408 and closed (slow clients).',
    }),
    requestTimeoutMs: meta(millis(100).default(10000), {
      description:
        'A request (headers and body) not complete within this is answered 408 and closed; at least headersTimeoutMs.',
    }),
    keepAliveTimeoutMs: meta(millis(100).default(5000), {
      description: 'An idle kept-alive connection is closed after this.',
    }),
    maxBodyBytes: meta(integer({ min: 64, max: 1048576, what: 'bytes' }).default(4096), {
      description: 'Largest request body (POST /kill reason); a larger one is answered 413.',
    }),
    refusalLogIntervalMs: meta(millis(1000).default(60000), {
      description:
        'Refused requests (bad token, too many connections) are logged at most once per interval, with a count of the rest.',
    }),
  }),
  { reload: 'restart' },
);

export const REDIS_DOWN_POLICIES = ['local-share', 'stop'] as const;

export const clusterSchema = meta(
  section('cluster settings', {
    redis: meta(url(['redis:', 'rediss:']).optional(), {
      description:
        'Redis URL (redis://host:6379/0, rediss:// for TLS); set, instances on one account share rate budgets and exposure through it. Empty = a single instance, no Redis. The password goes in REDIS_PASSWORD, never in the URL.',
      defaultLabel: 'unset',
    }),
    namespace: meta(text('a key prefix').optional(), {
      description:
        'Prefix of every Redis key; instances with the same namespace share budgets and exposure. Empty = derived from the API key id (a hash), so instances on one key share.',
      defaultLabel: 'from the API key id',
    }),
    group: meta(text('a group name').optional(), {
      description:
        'Hot standby: instances with the same group elect one leader that quotes; the others watch and take over when it is gone. Empty = every instance quotes.',
      defaultLabel: 'unset',
    }),
    failoverMs: meta(millis(500, 600_000).default(5000), {
      description:
        'Longest time from the loss of an instance (or of the leader) until the others stop counting it and a standby has taken over.',
    }),
    onRedisDown: meta(oneOf(REDIS_DOWN_POLICIES).default('local-share'), {
      description:
        'While Redis is unreachable: local-share = keep live quotes (and confirm accepts) on localShare of the rate budget, send no new quote; stop = pull every quote at once. Either way every quote is pulled once failoverMs has passed without Redis.',
    }),
    localShare: meta(decimal({ min: 0, minExclusive: true, max: 1 }).default(0.5), {
      description:
        'Fraction of the rate budget each instance uses on its own while Redis is unreachable (1 / the number of instances keeps the account within its limits).',
    }),
    takeover: meta(oneOf(['adopt', 'delete']).default('adopt'), {
      description:
        'What a new leader does with the open quotes the old one left: adopt them (and confirm accepts still inside their window) or delete them.',
    }),
  }),
  { reload: 'restart' },
);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

export const loggingSchema = meta(
  section('logging settings', {
    level: meta(oneOf(LOG_LEVELS).default('info'), { description: 'Least severity logged.', reload: 'hot' }),
    format: meta(oneOf(LOG_FORMATS).default('auto'), {
      description: 'auto = pretty on a terminal, JSON otherwise.',
    }),
    summaryIntervalMs: meta(millis(1000).default(30000), {
      description: 'How often a one-line activity summary is logged.',
    }),
  }),
  { reload: 'restart' },
);

export const JOURNAL_ON_ERROR = ['stop', 'continue'] as const;

export const journalSchema = meta(
  section('journal settings', {
    enabled: meta(boolean().default(true), {
      description: 'Record every RFQ, decision, quote transition, fill and kill-switch change in SQLite.',
    }),
    path: meta(text('a file path').default('./data/journal.db'), {
      description: 'The journal file (SQLite, WAL mode). Relative to the config file.',
    }),
    flushIntervalMs: meta(millis(5, 10_000).default(100), {
      description:
        'How often recorded events are committed; a crash loses at most this much (plus maxDeferMs).',
    }),
    maxDeferMs: meta(millis(0, 10_000).default(500), {
      description:
        'How long a commit may wait while RFQs are being quoted or accepts confirmed, so that its work on the bot thread falls between them. 0: never wait.',
    }),
    retainDays: meta(integer({ min: 1, what: 'days' }).default(90), {
      description: 'Events, RFQs and fills older than this are pruned (daily, and at startup).',
    }),
    maxSizeMb: meta(integer({ min: 1, what: 'megabytes' }).optional(), {
      description: 'Largest the file may grow; past it writes fail as on a full disk. Unset: no limit.',
    }),
    onError: meta(oneOf(JOURNAL_ON_ERROR).default('stop'), {
      description:
        'When writes fail at run time: stop = pull every quote and stop the bot; continue = keep trading, readiness fails.',
    }),
  }),
  { reload: 'restart' },
);

/** The whole file. Cross-field rules live in checks.ts. */
export const configSchema = section('settings', {
  exchange: meta(exchangeSchema.prefault({}), { description: 'Which exchange, keys, rate limits.' }),
  simulator: meta(simulatorSchema.prefault({}), {
    description: 'The embedded simulator (environment: simulator).',
  }),
  poller: meta(pollerSchema.prefault({}), { description: 'Polling of the open RFQs.' }),
  strategies: meta(strategiesSchema.prefault({}), { description: 'Strategy plugins and routing.' }),
  quoting: meta(quotingSchema.prefault({}), { description: 'Quote lifecycle.' }),
  risk: meta(riskSchema.prefault({}), { description: 'Limits and the kill switch.' }),
  ops: meta(opsSchema.prefault({}), { description: 'The ops HTTP server.' }),
  logging: meta(loggingSchema.prefault({}), { description: 'Logs.' }),
  journal: meta(journalSchema.prefault({}), {
    description: 'The durable journal of what the bot saw and did.',
  }),
  cluster: meta(clusterSchema.prefault({}), {
    description: 'Several instances on one account: shared budgets and exposure, hot standby (Redis).',
  }),
  dryRun: meta(boolean().default(false), {
    description: 'Price and log RFQs but send no quotes (the CLI flag --dry-run overrides it).',
    reload: 'restart',
  }),
  watchConfig: meta(boolean().default(false), {
    description: 'Reload the config when its file changes, as on SIGHUP.',
    reload: 'restart',
  }),
}).superRefine(checkConfig, { when: () => true });

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
