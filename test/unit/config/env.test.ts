// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests write the literal ${VAR} syntax
import { describe, expect, it } from 'vitest';
import { resolvePlainScalar, substituteEnv } from '../../../src/config/env.js';
import { didYouMean, formatPath, levenshtein } from '../../../src/config/problems.js';

describe('substituteEnv', () => {
  const env = { HOST: 'example.org', EMPTY: '', PORT: '9000' };

  it('substitutes set variables and reports unset ones', () => {
    expect(substituteEnv('http://${HOST}:${PORT}', env)).toMatchObject({
      value: 'http://example.org:9000',
      vars: ['HOST', 'PORT'],
      missing: [],
    });
    expect(substituteEnv('${NOPE}', env).missing).toEqual(['NOPE']);
    expect(substituteEnv('${EMPTY}', env)).toMatchObject({ value: '', missing: [] });
  });

  it('applies defaults shell-style', () => {
    expect(substituteEnv('${NOPE:-fallback}', env).value).toBe('fallback');
    expect(substituteEnv('${EMPTY:-fallback}', env).value).toBe('fallback');
    expect(substituteEnv('${EMPTY-fallback}', env).value).toBe('');
    expect(substituteEnv('${NOPE-fallback}', env).value).toBe('fallback');
    expect(substituteEnv('${HOST:-fallback}', env).value).toBe('example.org');
    expect(substituteEnv('${NOPE:-}', env)).toMatchObject({ value: '', missing: [] });
    expect(substituteEnv('${NOPE:-a:b-c}', env).value).toBe('a:b-c');
  });

  it('keeps $$ escapes, lone dollars and reports malformed references', () => {
    expect(substituteEnv('cost $5 and $${HOST}', env).value).toBe('cost $5 and ${HOST}');
    expect(substituteEnv('${1BAD}', env).errors).toHaveLength(1);
    expect(substituteEnv('${HOST', env).errors[0]).toContain('unclosed');
  });
});

describe('resolvePlainScalar', () => {
  it('reads substituted plain scalars as YAML would', () => {
    expect(resolvePlainScalar('9464')).toBe(9464);
    expect(resolvePlainScalar('-3')).toBe(-3);
    expect(resolvePlainScalar('0.5')).toBe(0.5);
    expect(resolvePlainScalar('true')).toBe(true);
    expect(resolvePlainScalar('False')).toBe(false);
    expect(resolvePlainScalar('simulator')).toBe('simulator');
    expect(resolvePlainScalar('12ab')).toBe('12ab');
    expect(resolvePlainScalar('99999999999999999999')).toBe(1e20);
  });
});

describe('problem helpers', () => {
  it('levenshtein and did-you-mean', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(didYouMean('maxOpenQuote', ['maxOpenQuotes', 'minEdge'])).toBe('maxOpenQuotes');
    expect(didYouMean('prod', ['simulator', 'demo', 'production'])).toBe('production');
    expect(didYouMean('zzzzzz', ['ttlMs', 'postOnly'])).toBeUndefined();
    expect(didYouMean('TTLMS', ['ttlMs'])).toBe('ttlMs');
  });

  it('formats key paths', () => {
    expect(formatPath(['strategies', 'routes', 1, 'match', 'markets', 0])).toBe(
      'strategies.routes[1].match.markets[0]',
    );
    expect(formatPath([])).toBe('');
  });
});
