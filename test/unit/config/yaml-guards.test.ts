import { describe, expect, it } from 'vitest';
import {
  type ConfigProblem,
  configFromObject,
  formatConfigProblems,
  loadConfigText,
} from '../../../src/config/index.js';

function problemsOf(text: string): ConfigProblem[] {
  const result = loadConfigText(text);
  if (result.ok) throw new Error('expected the config to be refused');
  return [...result.problems];
}

/** Nine levels of nine aliases: a billion values once expanded ("billion laughs"). */
function aliasBomb(levels = 9): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < levels; level++) {
    const previous = `*a${level - 1}`;
    lines.push(`a${level}: &a${level} [${Array.from({ length: 9 }, () => previous).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('YAML alias bombs and cycles', () => {
  it('an alias bomb is one problem naming the alias that expands most, at its line', () => {
    const started = performance.now();
    const problems = problemsOf(aliasBomb());
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 6, column: 10 });
    expect(formatConfigProblems(problems)).toMatch(
      /^config\.yaml:6:10 YAML aliases expand the config to more than 10000 values \(an alias bomb\?\): refused; the alias \*a4 here expands to over 10000$/,
    );
  });

  it('an alias that contains itself is a problem, not a stack overflow', () => {
    const problems = problemsOf('risk:\n  windows: &w [ *w ]\n');
    expect(formatConfigProblems(problems)).toBe(
      'config.yaml:2:17 YAML alias *w refers to a node that contains it (a cycle): refused',
    );
  });

  it('ordinary anchors, aliases and merge keys still load', () => {
    const result = loadConfigText(
      [
        'strategies:',
        '  routes:',
        '    - name: a',
        '      strategy: fixed-spread',
        '      options: &opts { spread: "0.04" }',
        '    - name: b',
        '      strategy: fixed-spread',
        '      options:',
        '        <<: *opts',
        '        maxBookSpread: "0.2"',
      ].join('\n'),
    );
    if (!result.ok) throw new Error(formatConfigProblems(result.problems));
    expect(result.config.strategies.routes.map((route) => route.options)).toEqual([
      { spread: '0.04' },
      { spread: '0.04', maxBookSpread: '0.2' },
    ]);
  });
});

describe('keys that reach the prototype', () => {
  it('__proto__, constructor and prototype are refused anywhere, with line and column', () => {
    const problems = problemsOf(
      [
        '__proto__:',
        '  polluted: true',
        'risk:',
        '  constructor: 1',
        'strategies:',
        '  routes:',
        '    - strategy: fixed-spread',
        '      options: { prototype: { x: 1 } }',
      ].join('\n'),
    );
    expect(formatConfigProblems(problems).split('\n')).toEqual([
      'config.yaml:1:1 __proto__: the key "__proto__" is refused anywhere in the config (it could tamper with object prototypes)',
      'config.yaml:4:3 risk.constructor: the key "constructor" is refused anywhere in the config (it could tamper with object prototypes)',
      'config.yaml:8:18 strategies.routes[0].options.prototype: the key "prototype" is refused anywhere in the config (it could tamper with object prototypes)',
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('the same keys in a config built from an object (e.g. parsed JSON) are refused too', () => {
    const result = configFromObject(JSON.parse('{"risk":{"__proto__":{"maxOpenQuotes":1}}}'));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(formatConfigProblems(result.problems)).toBe(
        '<object> risk.__proto__: the key "__proto__" is refused anywhere in the config (it could tamper with object prototypes)',
      );
    }
  });
});
