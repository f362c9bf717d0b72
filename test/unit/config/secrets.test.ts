// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests write the literal ${VAR} syntax
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ConfigProblem, formatConfigProblems, loadConfigText } from '../../../src/config/index.js';
import { makeTestKey } from '../../helpers/keys.js';

const SHIPPED = readFileSync(fileURLToPath(new URL('../../../config.yaml', import.meta.url)), 'utf8');
const key = makeTestKey();
/** The line of the shipped config.yaml that holds exchange.privateKeyPath. */
const PRIVATE_KEY_PATH_LINE = SHIPPED.split('\n').findIndex((line) => /^\s*privateKeyPath:/.test(line)) + 1;
const keyLines = key.privatePem.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));

/** The shipped config against demo, with these variables: every problem, as printed. */
function problemsWith(env: Record<string, string>): { problems: readonly ConfigProblem[]; text: string } {
  const result = loadConfigText(SHIPPED, { env: { KALSHI_ENV: 'demo', ...env } });
  if (result.ok) throw new Error('expected the config to be refused');
  return { problems: result.problems, text: formatConfigProblems(result.problems) };
}

function expectNoSecret(text: string, ...secrets: string[]): void {
  expect(text).not.toContain('PRIVATE KEY');
  for (const line of keyLines) expect(text).not.toContain(line);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('a secret in the wrong variable', () => {
  it('a PEM in KALSHI_PRIVATE_KEY_PATH: "holds a key, not a path", and nothing of the key', () => {
    const { problems, text } = problemsWith({
      KALSHI_API_KEY_ID: key.keyId,
      KALSHI_PRIVATE_KEY_PATH: key.privatePem,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'exchange.privateKeyPath', line: PRIVATE_KEY_PATH_LINE });
    expect(text).toContain(
      'KALSHI_PRIVATE_KEY_PATH holds a key, not a path: put the PEM in KALSHI_PRIVATE_KEY_PEM',
    );
    expectNoSecret(text);
  });

  it('the same with the PEM written with \\n escapes, as env files carry it', () => {
    const { text } = problemsWith({
      KALSHI_API_KEY_ID: key.keyId,
      KALSHI_PRIVATE_KEY_PATH: key.privatePem.replaceAll('\n', '\\n'),
    });
    expect(text).toContain('KALSHI_PRIVATE_KEY_PATH holds a key, not a path');
    expectNoSecret(text);
  });

  it('a PEM in KALSHI_API_KEY_ID: "holds a private key, not an API key id"', () => {
    const { problems, text } = problemsWith({
      KALSHI_API_KEY_ID: key.privatePem,
      KALSHI_PRIVATE_KEY_PATH: key.privatePemPath,
    });
    expect(problems).toHaveLength(1);
    expect(text).toContain('KALSHI_API_KEY_ID holds a private key, not an API key id');
    expectNoSecret(text);
  });

  it('a key id in KALSHI_PRIVATE_KEY_PATH, or in KALSHI_PRIVATE_KEY_PEM, is named as such and not shown', () => {
    const inPath = problemsWith({ KALSHI_API_KEY_ID: 'other-id', KALSHI_PRIVATE_KEY_PATH: key.keyId });
    expect(inPath.text).toContain('KALSHI_PRIVATE_KEY_PATH holds what looks like an API key id, not a path');
    expectNoSecret(inPath.text, key.keyId);
    const inPem = problemsWith({ KALSHI_API_KEY_ID: 'other-id', KALSHI_PRIVATE_KEY_PEM: key.keyId });
    expect(inPem.text).toContain('KALSHI_PRIVATE_KEY_PEM holds what looks like an API key id, not a PEM');
    expectNoSecret(inPem.text, key.keyId);
  });

  it('a path in KALSHI_PRIVATE_KEY_PEM points at KALSHI_PRIVATE_KEY_PATH', () => {
    const { text } = problemsWith({
      KALSHI_API_KEY_ID: key.keyId,
      KALSHI_PRIVATE_KEY_PEM: key.privatePemPath,
    });
    expect(text).toContain(
      'KALSHI_PRIVATE_KEY_PEM holds what looks like a file path, not a PEM: set KALSHI_PRIVATE_KEY_PATH',
    );
  });

  it('the right variables still load', () => {
    const result = loadConfigText(SHIPPED, {
      env: { KALSHI_ENV: 'demo', KALSHI_API_KEY_ID: key.keyId, KALSHI_PRIVATE_KEY_PATH: key.privatePemPath },
    });
    expect(result.ok && result.config.secrets.privateKeyPem).toBe(key.privatePem);
  });
});

describe('a wrong value that came from a secret', () => {
  it('is not shown when a secret-named variable was substituted into it', () => {
    const text = 'risk:\n  maxOpenQuotes: ${MY_API_TOKEN}\n';
    const result = loadConfigText(text, { env: { MY_API_TOKEN: 'tok-5f1c2b9a7e' } });
    if (result.ok) throw new Error('expected a problem');
    const printed = formatConfigProblems(result.problems);
    expect(printed).toContain('risk.maxOpenQuotes: expected');
    expect(printed).toContain('not shown: it is a secret');
    expect(printed).not.toContain('tok-5f1c2b9a7e');
  });
});
