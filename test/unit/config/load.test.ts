// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests write the literal ${VAR} syntax
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  type ConfigProblem,
  configFromObject,
  EXCHANGE_URLS,
  formatConfigProblems,
  loadConfig,
  loadConfigOrThrow,
  loadConfigText,
  redactedConfig,
} from '../../../src/config/index.js';
import { makeTestKey } from '../../helpers/keys.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SHIPPED = resolve(ROOT, 'config.yaml');

function problemsOf(text: string, env: Record<string, string> = {}): ConfigProblem[] {
  const result = loadConfigText(text, { env });
  if (result.ok) throw new Error('expected the config to be refused');
  return [...result.problems];
}

function only(text: string, env: Record<string, string> = {}): ConfigProblem {
  const problems = problemsOf(text, env);
  expect(problems, formatConfigProblems(problems)).toHaveLength(1);
  return problems[0]!;
}

describe('the shipped config.yaml', () => {
  it('loads on the simulator with no environment at all', () => {
    const result = loadConfig({ path: SHIPPED, env: {} });
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    const { config } = result;
    expect(config.exchange.environment).toBe('simulator');
    expect(config.exchange.baseUrl).toBeUndefined();
    expect(config.ops).toEqual({
      host: '127.0.0.1',
      port: 9464,
      maxConnections: 32,
      maxStreams: 32,
      dashboard: true,
      headersTimeoutMs: 5000,
      requestTimeoutMs: 10000,
      keepAliveTimeoutMs: 5000,
      maxBodyBytes: 4096,
      refusalLogIntervalMs: 60000,
    });
    expect(config.exchange.maxResponseBytes).toBe(8 * 1024 * 1024);
    expect(config.risk.maxTotalExposure).toBe(5_000_000_000);
    expect(config.risk.maxContractsPerQuote).toBe(50_000);
    expect(config.quoting.fairValueTolerance).toBe(20_000);
    expect(config.strategies.routes.map((r) => r.strategy)).toEqual([
      'inventory-skew',
      'fair-value-feed',
      'fixed-spread',
    ]);
    expect(config.strategies.routes.at(-1)?.match).toEqual({ markets: [], events: [], series: [] });
    expect(config.strategies.dir).toBe(resolve(ROOT, 'strategies'));
    expect(config.secrets).toEqual({});
    expect(Object.isFrozen(config.risk.killSwitch)).toBe(true);
  });

  it('takes the environment through ${VAR:-default}', () => {
    const result = loadConfig({ path: SHIPPED, env: { OPS_PORT: '0', LOG_LEVEL: 'debug' } });
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    expect(result.config.ops.port).toBe(0);
    expect(result.config.logging.level).toBe('debug');
  });

  it('runs against demo once keys are in the environment', () => {
    const key = makeTestKey();
    const result = loadConfig({
      path: SHIPPED,
      env: { KALSHI_ENV: 'demo', KALSHI_API_KEY_ID: key.keyId, KALSHI_PRIVATE_KEY_PATH: key.privatePemPath },
    });
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    expect(result.config.exchange.baseUrl).toBe(EXCHANGE_URLS.demo.restUrl);
    expect(result.config.exchange.wsUrl).toBe(EXCHANGE_URLS.demo.wsUrl);
    expect(result.config.secrets.apiKeyId).toBe(key.keyId);
    expect(result.config.secrets.privateKeyPem).toBe(key.privatePem);
  });
});

describe('defaults and conversions', () => {
  it('an empty file is the all-defaults simulator config', () => {
    const result = loadConfigText('', {});
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    expect(result.config.poller.intervalMs).toBe(1000);
    expect(result.config.exchange.hvmMarkets).toEqual(['KXMVE*']);
    expect(result.config.risk.killSwitch.maxDrawdown).toBe(1_000_000_000);
    expect(result.config.simulator.startingBalance).toBe(10_000_000_000);
    expect(result.config.strategies.routes).toEqual([]);
  });

  it('converts money and sizes to integers and names unnamed routes', () => {
    const result = loadConfigText(
      [
        'poller:',
        '  filters:',
        '    minContracts: "2.5"',
        '    maxTargetCost: 1000',
        'strategies:',
        '  routes:',
        '    - strategy: fixed-spread',
        '      options: { spread: "0.04" }',
        '    - name: second',
        '      strategy: fixed-spread',
      ].join('\n'),
    );
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    expect(result.config.poller.filters.minContracts).toBe(250);
    expect(result.config.poller.filters.maxTargetCost).toBe(1_000_000_000);
    expect(result.config.strategies.routes.map((r) => r.name)).toEqual(['fixed-spread#1', 'second']);
    expect(result.config.strategies.routes[0]?.options).toEqual({ spread: '0.04' });
  });

  it('lets the --dry-run override win over the file', () => {
    const result = loadConfigText('dryRun: false', { overrides: { dryRun: true } });
    expect(result.ok && result.config.dryRun).toBe(true);
  });

  it('resolves relative paths against the config file folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'bot.yaml');
    writeFileSync(path, 'strategies:\n  dir: ./plugins\nrisk:\n  killSwitch:\n    file: STOP\n');
    const config = loadConfigOrThrow({ path, env: {} });
    expect(config.strategies.dir).toBe(join(dir, 'plugins'));
    expect(config.risk.killSwitch.file).toBe(join(dir, 'STOP'));
  });

  it('builds a config from a plain object for tests and tools', () => {
    const result = configFromObject({ risk: { maxOpenQuotes: 3 } });
    expect(result.ok && result.config.risk.maxOpenQuotes).toBe(3);
    const bad = configFromObject({ risk: { maxOpenQuotes: 0 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(formatConfigProblems(bad.problems)).toBe(
        '<object> risk.maxOpenQuotes: expected a positive integer, found 0',
      );
  });
});

describe('every kind of mistake is reported with its place', () => {
  it('wrong type, in the documented one-line format', () => {
    const problem = only('risk:\n  maxOpenQuotes: ten\n');
    expect(formatConfigProblems([problem])).toBe(
      'config.yaml:2:18 risk.maxOpenQuotes: expected a positive integer, found "ten"',
    );
    expect(problem).toMatchObject({ expected: 'a positive integer', found: '"ten"' });
  });

  it('out of range', () => {
    const problem = only('poller:\n  pageSize: 500\n');
    expect(problem).toMatchObject({ line: 2, column: 13, path: 'poller.pageSize', found: '500' });
    expect(problem.expected).toBe('an integer from 1 to 100');
  });

  it('bad enum value, with did-you-mean', () => {
    const problem = only('exchange:\n  environment: prod\n');
    expect(problem.path).toBe('exchange.environment');
    expect(problem.message).toContain('did you mean "production"?');
    expect(problem.message).toContain('expected one of "simulator", "demo", "production"');
  });

  it('unknown key, with did-you-mean, pointing at the key', () => {
    const problem = only('risk:\n  maxOpenQuote: 5\n');
    expect(problem).toMatchObject({ line: 2, column: 3, path: 'risk.maxOpenQuote' });
    expect(problem.message).toBe('unknown key (did you mean "maxOpenQuotes"?)');
    const far = only('quoting:\n  zzzzzz: 1\n');
    expect(far.message).toContain('the keys here are ttlMs, restRemainder');
  });

  it('bad money strings', () => {
    expect(only('risk:\n  maxDailyLoss: "$500"\n').message).toContain('(write the amount without a $ sign)');
    expect(only('risk:\n  minEdge: "0.0000001"\n').message).toContain('more than 6 decimal places');
    expect(only('risk:\n  maxTotalExposure: "-5"\n').expected).toBe(
      'a positive dollar amount as a decimal string like "5000"',
    );
    expect(only('risk:\n  maxContractsPerQuote: "1.234"\n').path).toBe('risk.maxContractsPerQuote');
  });

  it('bad cron expression, with what is wrong in it', () => {
    const problem = only('risk:\n  windows:\n    - cron: "61 * * * *"\n');
    expect(problem.path).toBe('risk.windows[0].cron');
    expect(problem).toMatchObject({ line: 3, column: 13 });
    expect(problem.message).toMatch(/61.*minute/);
  });

  it('bad time zone, with did-you-mean when the city is known', () => {
    expect(only('risk:\n  dayStartTimezone: Mars/Olympus\n').message).toContain('an IANA time zone');
    expect(only('risk:\n  dayStartTimezone: new_york\n').message).toContain(
      'did you mean "America/New_York"?',
    );
  });

  it('missing environment variable, naming the variable and the key', () => {
    const problem = only('ops:\n  port: ${OPS_PORT}\n');
    expect(problem).toMatchObject({ line: 2, column: 9, path: 'ops.port' });
    expect(problem.message).toContain('environment variable OPS_PORT is not set');
  });

  it('a substituted value that is wrong says where it came from', () => {
    const problem = only('ops:\n  port: ${OPS_PORT}\n', { OPS_PORT: 'abc' });
    expect(problem.message).toBe(
      'expected an integer from 0 to 65535, found "abc" (after substituting OPS_PORT)',
    );
  });

  it('production without confirmProduction, and without keys', () => {
    const problems = problemsOf('exchange:\n  environment: production\n');
    const text = formatConfigProblems(problems);
    expect(text).toContain('config.yaml:2:16 exchange.confirmProduction: production trades real money');
    expect(text).toContain('production needs an API key id: set the environment variable KALSHI_API_KEY_ID');
    expect(text).toContain("production needs the API key's private key");
    expect(problems).toHaveLength(3);
  });

  it('demo without keys; the simulator needs none', () => {
    const problems = problemsOf('exchange:\n  environment: demo\n');
    expect(problems.map((p) => p.path)).toEqual(['exchange.apiKeyId', 'exchange.privateKeyPath']);
    expect(loadConfigText('exchange:\n  environment: simulator\n').ok).toBe(true);
  });

  it('production with keys and confirmation starts', () => {
    const key = makeTestKey();
    const result = loadConfigText('exchange:\n  environment: production\n  confirmProduction: true\n', {
      env: { KALSHI_API_KEY_ID: key.keyId, KALSHI_PRIVATE_KEY_PEM: key.privatePem.replaceAll('\n', '\\n') },
    });
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    expect(result.config.exchange.baseUrl).toBe('https://external-api.kalshi.com/trade-api/v2');
    expect(result.config.secrets.privateKeyPem).toBe(key.privatePem);
  });

  it('YAML syntax errors, with their place', () => {
    const problems = problemsOf('risk:\n  maxOpenQuotes: 5\n   minEdge: "0.01"\n');
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem.message).toMatch(/^YAML syntax error: /);
    expect(formatConfigProblems(problems)).toContain('config.yaml:2:18 YAML syntax error: Nested mappings');
    const duplicate = only('risk:\n  maxOpenQuotes: 5\n  maxOpenQuotes: 6\n');
    expect(duplicate.message).toContain('unique');
    expect(duplicate.line).toBe(3);
  });

  it('bad globs: lower case never matches a ticker', () => {
    const problem = only('poller:\n  filters:\n    tickerGlobs: ["kxmve*"]\n');
    expect(problem.path).toBe('poller.filters.tickerGlobs[0]');
    expect(problem.message).toContain('did you mean "KXMVE*"?');
    expect(only('exchange:\n  hvmMarkets: ["KX MVE"]\n').path).toBe('exchange.hvmMarkets[0]');
  });

  it('duplicate route names and empty or malformed strategy names', () => {
    const problems = problemsOf(
      [
        'strategies:',
        '  routes:',
        '    - name: main',
        '      strategy: ""',
        '    - name: main',
        '      strategy: fixedSpread',
        '    - match: {}',
      ].join('\n'),
    );
    expect(formatConfigProblems(problems).split('\n')).toEqual([
      'config.yaml:4:17 strategies.routes[0].strategy: expected a strategy name in kebab-case, like "fixed-spread", found an empty string',
      'config.yaml:5:13 strategies.routes[1].name: duplicate route name "main" (also the name of route 1); route names must be unique',
      'config.yaml:6:17 strategies.routes[1].strategy: expected a strategy name in kebab-case, like "fixed-spread", found "fixedSpread" (did you mean "fixed-spread"?)',
      'config.yaml:7:7 strategies.routes[2].strategy: expected a strategy name in kebab-case, like "fixed-spread", found nothing',
    ]);
  });

  it('a private key written into the YAML is refused with what to do instead', () => {
    const problem = only('exchange:\n  privateKeyPem: "-----BEGIN RSA PRIVATE KEY-----"\n');
    expect(problem.message).toContain('set the environment variable KALSHI_PRIVATE_KEY_PEM');
    expect(problem.message).not.toContain('BEGIN');
  });

  it('a base URL must end in /trade-api/v2', () => {
    const problem = only('exchange:\n  baseUrl: https://example.com/api\n');
    expect(problem.message).toContain('ending in /trade-api/v2');
    const fine = loadConfigText('exchange:\n  baseUrl: http://127.0.0.1:8080/trade-api/v2/\n');
    expect(fine.ok && fine.config.exchange.baseUrl).toBe('http://127.0.0.1:8080/trade-api/v2');
  });

  it('cross-key rules: min above max, a confirm margin longer than the HVM window', () => {
    const problems = problemsOf(
      [
        'poller:',
        '  filters:',
        '    minContracts: "100"',
        '    maxContracts: "10"',
        'quoting:',
        '  confirmSafetyMarginMs: 5000',
      ].join('\n'),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'poller.filters.minContracts',
      'quoting.confirmSafetyMarginMs',
    ]);
  });

  it('private key problems name the file or variable, never the content', () => {
    const key = makeTestKey();
    const missing = only('exchange:\n  privateKeyPath: /nonexistent/key.pem\n');
    expect(missing.message).toBe('cannot read the private key file /nonexistent/key.pem (ENOENT)');
    const both = only('', {
      KALSHI_PRIVATE_KEY_PEM: key.privatePem,
      KALSHI_PRIVATE_KEY_PATH: key.privatePemPath,
    });
    expect(both.message).toContain('use one');
    const garbage = only('', { KALSHI_PRIVATE_KEY_PEM: 'not-a-key-but-secret-text' });
    expect(garbage.message).toContain('KALSHI_PRIVATE_KEY_PEM: expected a PEM-encoded RSA private key');
    expect(garbage.message).not.toContain('secret-text');
  });

  it('a short OPS_TOKEN is refused', () => {
    expect(only('', { OPS_TOKEN: 'short' }).message).toContain('OPS_TOKEN is shorter than 16 characters');
    expect(loadConfigText('', { env: { OPS_TOKEN: 'a-long-enough-token-1234' } }).ok).toBe(true);
  });

  it('OPS_METRICS_TOKEN: long enough and not the kill token', () => {
    expect(only('', { OPS_METRICS_TOKEN: 'short' }).message).toContain(
      'OPS_METRICS_TOKEN is shorter than 16 characters',
    );
    const same = 'the-same-token-0123456789';
    expect(only('', { OPS_TOKEN: same, OPS_METRICS_TOKEN: same }).message).toContain(
      'OPS_METRICS_TOKEN equals OPS_TOKEN',
    );
    const fine = loadConfigText('', { env: { OPS_METRICS_TOKEN: 'a-long-enough-metrics-token' } });
    expect(fine.ok && fine.config.secrets.opsMetricsToken).toBe('a-long-enough-metrics-token');
    expect(only('ops:\n  metricsToken: abc\n').message).toContain(
      'set the environment variable OPS_METRICS_TOKEN',
    );
  });

  it('the ops headers time-out may not exceed its request time-out', () => {
    const problem = only('ops:\n  headersTimeoutMs: 20000\n');
    expect(problem.path).toBe('ops.headersTimeoutMs');
    expect(problem.message).toContain('headersTimeoutMs must not exceed requestTimeoutMs');
  });

  it('reports every problem of a file at once, in file order', () => {
    const problems = problemsOf(
      [
        'exchange:',
        '  environment: prod',
        '  retry:',
        '    maxAtempts: 3',
        'poller:',
        '  intervalMs: 10',
        'risk:',
        '  maxOpenQuotes: ten',
        '  reconcileCron: nope',
        'logging:',
        '  level: verbose',
        'quoting:',
        '  ttlMs: 1.5',
      ].join('\n'),
    );
    expect(problems.map((p) => `${p.line}:${p.column} ${p.path}`)).toEqual([
      '2:16 exchange.environment',
      '4:5 exchange.retry.maxAtempts',
      '6:15 poller.intervalMs',
      '8:18 risk.maxOpenQuotes',
      '9:18 risk.reconcileCron',
      '11:10 logging.level',
      '13:10 quoting.ttlMs',
    ]);
  });

  it('a missing file is one problem; loadConfigOrThrow throws a ConfigError listing them', () => {
    const result = loadConfig({ path: '/nonexistent/config.yaml', env: {} });
    expect(result.ok).toBe(false);
    expect(() => loadConfigOrThrow({ path: '/nonexistent/config.yaml', env: {} })).toThrow(ConfigError);
    try {
      loadConfigOrThrow({ path: '/nonexistent/config.yaml', env: {} });
    } catch (error) {
      expect((error as ConfigError).code).toBe('invalid_config');
      expect((error as ConfigError).message).toContain(
        '/nonexistent/config.yaml cannot read the config file (ENOENT)',
      );
    }
  });

  it('a top level that is not a map', () => {
    expect(only('- a\n- b\n').message).toBe('expected a map of settings at the top level, found a list of 2');
  });
});

describe('secrets', () => {
  it('are never enumerable, printed or in the redacted dump', () => {
    const key = makeTestKey();
    const token = 'ops-token-0123456789abcdef';
    const result = loadConfigText('exchange:\n  environment: demo\n  apiKeyId: ${KALSHI_API_KEY_ID}\n', {
      env: { KALSHI_API_KEY_ID: key.keyId, KALSHI_PRIVATE_KEY_PEM: key.privatePem, OPS_TOKEN: token },
    });
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    const { config } = result;
    expect(config.secrets).toMatchObject({ apiKeyId: key.keyId, opsToken: token });
    expect(Object.keys(config)).not.toContain('secrets');
    expect('apiKeyId' in config.exchange).toBe(false);
    for (const text of [
      JSON.stringify(config),
      JSON.stringify(config.secrets),
      JSON.stringify(redactedConfig(config)),
    ]) {
      expect(text).not.toContain(key.keyId);
      expect(text).not.toContain(token);
      expect(text).not.toContain('PRIVATE KEY');
    }
    const dump = redactedConfig(config) as { risk: Record<string, unknown>; secrets: unknown };
    expect(dump.risk['maxTotalExposure']).toBe('5000.00');
    expect(dump.risk['maxContractsPerQuote']).toBe('500');
    expect(dump.secrets).toEqual({
      apiKeyId: '[REDACTED]',
      privateKeyPem: '[REDACTED]',
      opsToken: '[REDACTED]',
      opsMetricsToken: 'unset',
      redisPassword: 'unset',
    });
  });

  it('strategy options in the dump lose URL query secrets and secret-named values', () => {
    const result = loadConfigText(
      [
        'strategies:',
        '  routes:',
        '    - strategy: fair-value-feed',
        '      options: { source: "https://feeds.example/fv?token=feed-secret-1", password: hunter22, spread: "0.03" }',
      ].join('\n'),
    );
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    const dump = redactedConfig(result.config) as { strategies: { routes: { options: unknown }[] } };
    expect(dump.strategies.routes[0]!.options).toEqual({
      source: 'https://feeds.example/fv?token=[REDACTED]',
      password: '[REDACTED]',
      spread: '0.03',
    });
  });
});
