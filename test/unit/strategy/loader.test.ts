import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StrategyLoadError } from '../../../src/strategy/errors.js';
import { discoverPluginFiles, loadStrategies } from '../../../src/strategy/loader.js';
import { captureLogger, fakeStrategy, LEVEL, tempPluginDir } from './support.js';

const SRC_INDEX = resolve(import.meta.dirname, '../../../src/index.js');
const silent = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function dirWith(files: Record<string, string>, esm = true): Promise<string> {
  const { dir, cleanup } = await tempPluginDir(files, esm);
  cleanups.push(cleanup);
  return dir;
}

function plain(name: string, extra = ''): string {
  return `export default { name: ${JSON.stringify(name)}, apiVersion: 1, options: { parse: (x) => x }, price: () => ({ skip: 'no' })${extra} };\n`;
}

async function loadError(files: Record<string, string>): Promise<StrategyLoadError> {
  const dir = await dirWith(files);
  const error = await loadStrategies({ dir, logger: silent }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StrategyLoadError);
  return error as StrategyLoadError;
}

describe('loadStrategies', () => {
  it('loads TypeScript (compiled, importing the public surface), JavaScript, .mjs and folder plugins', async () => {
    const dir = await dirWith({
      'alpha.ts': `
        import { defineStrategy, dollars, z } from ${JSON.stringify(SRC_INDEX)};
        interface Opts { readonly spread: number }
        const options = z.strictObject({ spread: z.number().default(2) });
        export const alpha = defineStrategy({
          name: 'alpha',
          apiVersion: 1,
          options,
          price: (_rfq, ctx) => {
            const o: Opts = ctx.options;
            return { yesBid: dollars('0.40') + o.spread, noBid: dollars('0.40') };
          },
        });
      `,
      'beta.js': plain('beta'),
      'gamma/index.ts': `const s: { name: string } = { name: 'gamma' };\nexport default { ...s, apiVersion: 1 as const, options: { parse: (x: unknown) => x }, price: () => ({ skip: 'x' }) };\n`,
      'gamma/helper.ts': 'throw new Error("helpers inside a folder are not plugins");\n',
      'multi.mjs': `
        const base = { apiVersion: 1, options: { parse: (x) => x }, price: () => ({ skip: 'x' }) };
        export const one = { ...base, name: 'multi-one' };
        export const two = { ...base, name: 'multi-two' };
        export const notAStrategy = { name: 'ignored' };
        export default one;
      `,
    });
    const registry = await loadStrategies({ dir, logger: silent });
    expect([...registry.keys()].sort()).toEqual(['alpha', 'beta', 'gamma', 'multi-one', 'multi-two']);
    const alpha = registry.get('alpha')!;
    const options = alpha.options.parse({});
    expect(options).toEqual({ spread: 2 });
    const decision = await alpha.price({} as never, { options } as never);
    expect(decision).toEqual({ yesBid: 400_002, noBid: 400_000 });
  });

  it("gives every load fresh plugin modules but the bot's own zod", async () => {
    const dir = await dirWith({
      'with-zod.ts': `
        import { z } from ${JSON.stringify(SRC_INDEX)};
        export const withZod = { name: 'with-zod', apiVersion: 1 as const, options: z.object({}), zod: z,
          price: () => ({ skip: 'x' }) };
      `,
    });
    const first = (await loadStrategies({ dir, logger: silent })).get('with-zod') as unknown as {
      zod: unknown;
    };
    const second = (await loadStrategies({ dir, logger: silent })).get('with-zod') as unknown as {
      zod: unknown;
    };
    expect(second).not.toBe(first);
    expect(first.zod).toBe(z);
    expect(second.zod).toBe(z);
  });

  it("compiles a TypeScript plugin: packages come from the plugin's own folder, import.meta.url is its own file", async () => {
    const dir = await dirWith({
      'node_modules/local-lib/package.json':
        '{ "name": "local-lib", "type": "module", "exports": "./index.js" }\n',
      'node_modules/local-lib/index.js': 'export const answer = 42;\n',
      '_where.ts': 'export const helperUrl: string = import.meta.url;\n',
      'located.ts': `
        import { answer } from 'local-lib';
        import { helperUrl } from './_where.js';
        export default { name: 'located', apiVersion: 1 as const, options: { parse: (x: unknown) => x },
          price: () => ({ skip: 'x' }), answer, own: import.meta.url, helperUrl };
      `,
    });
    const located = (await loadStrategies({ dir, logger: silent })).get('located') as unknown as Record<
      string,
      unknown
    >;
    expect(located['answer']).toBe(42);
    expect(located['own']).toBe(pathToFileURL(join(dir, 'located.ts')).href);
    expect(located['helperUrl']).toBe(pathToFileURL(join(dir, '_where.ts')).href);
  });

  it('skips tests, declarations, helpers, dotfiles and README, and prefers x.ts over a compiled x.js', async () => {
    const boom = 'throw new Error("must not be imported");\n';
    const { logger, lines } = captureLogger();
    const dir = await dirWith({
      'real.ts': plain('real'),
      'real.js': boom,
      'real.test.ts': boom,
      'real.spec.js': boom,
      'real.d.ts': 'export declare const x: number;\n',
      '_helper.ts': boom,
      '.hidden.ts': boom,
      'README.md': '# not code\n',
      'notes.txt': 'nothing',
      'real.js.map': '{}',
    });
    const files = await discoverPluginFiles(dir, logger);
    expect(files).toEqual([join(dir, 'real.ts')]);
    expect(lines.some((l) => l.level === LEVEL.warn && String(l.msg).includes('same plugin'))).toBe(true);
    const registry = await loadStrategies({ dir, logger: silent });
    expect([...registry.keys()]).toEqual(['real']);
  });

  it('loads a .ts plugin outside an ESM package (compiled as CommonJS)', async () => {
    const dir = await dirWith({ 'cjs-style.ts': plain('cjs-style') }, false);
    const registry = await loadStrategies({ dir, logger: silent });
    expect([...registry.keys()]).toEqual(['cjs-style']);
  });

  it('loads built-ins without a directory and rejects a plugin that reuses a built-in name', async () => {
    const only = await loadStrategies({ builtins: [fakeStrategy('built-in')], logger: silent });
    expect([...only.keys()]).toEqual(['built-in']);
    const dir = await dirWith({ 'dup.js': plain('built-in') });
    await expect(
      loadStrategies({ dir, builtins: [fakeStrategy('built-in')], logger: silent }),
    ).rejects.toThrow(
      `strategy "built-in" in file ${join(dir, 'dup.js')} duplicates the name already used by a built-in strategy`,
    );
  });

  it('rejects an unsupported apiVersion, naming strategy, file and versions', async () => {
    const error = await loadError({ 'future.js': plain('future').replace('apiVersion: 1', 'apiVersion: 2') });
    expect(error.code).toBe('unsupported_api_version');
    expect(error.message).toBe(
      `strategy "future" in file ${error.file} declares apiVersion 2; this bot supports 1`,
    );
    expect(error.file.endsWith('future.js')).toBe(true);
    const missing = await loadError({ 'old.js': plain('old').replace('apiVersion: 1, ', '') });
    expect(missing.message).toMatch(
      /strategy "old" in file .*old\.js declares no apiVersion; add apiVersion: 1/,
    );
  });

  it('rejects names that are not kebab-case', async () => {
    for (const name of ['Bad_Name', '', 'trailing-', 'UPPER']) {
      const error = await loadError({ 'bad.js': plain(name) });
      expect(error.code).toBe('invalid_name');
      expect(error.message).toContain(
        `strategy plugin ${error.file}: strategy name ${JSON.stringify(name)} is not`,
      );
    }
  });

  it('rejects duplicate names, naming both files', async () => {
    const error = await loadError({ 'a.js': plain('same'), 'b.js': plain('same') });
    expect(error.code).toBe('duplicate_name');
    expect(error.message).toMatch(
      /strategy "same" in file .*b\.js duplicates the name already used by file .*a\.js/,
    );
  });

  it('rejects a missing price, an options object without parse, and non-function hooks', async () => {
    const noPrice = await loadError({
      'p.js': `export default { name: 'p', apiVersion: 1, options: { parse: (x) => x } };\n`,
    });
    expect(noPrice.message).toMatch(/strategy "p" in file .*p\.js has no price\(rfq, ctx\) function/);
    const noParse = await loadError({
      'o.js': `export default { name: 'o', apiVersion: 1, options: {}, price: () => ({ skip: 'x' }) };\n`,
    });
    expect(noParse.message).toMatch(
      /strategy "o" in file .*o\.js has no options schema with a parse function/,
    );
    const hook = await loadError({ 'h.js': plain('h', ', lastLook: true') });
    expect(hook.message).toMatch(/has a lastLook that is not a function/);
    expect([noPrice.code, noParse.code, hook.code]).toEqual([
      'invalid_shape',
      'invalid_shape',
      'invalid_shape',
    ]);
  });

  it('names the file of a TypeScript or JavaScript syntax error, and of a throw at import time', async () => {
    const ts = await loadError({ 'broken.ts': 'export const = ;\n' });
    expect(ts.code).toBe('import_failed');
    expect(ts.message).toMatch(
      /^strategy plugin .*broken\.ts: failed to load: .*broken\.ts:1:14: Expected identifier/,
    );
    const js = await loadError({ 'broken.js': 'export default {\n' });
    // Node says SyntaxError; under vitest its own transform reports "invalid JS syntax".
    expect(js.message).toMatch(/^strategy plugin .*broken\.js: failed to load: .*(SyntaxError|syntax)/i);
    const throws = await loadError({ 'throws.js': 'throw new Error("no config here");\n' });
    expect(throws.message).toMatch(/throws\.js: failed to load: Error: no config here/);
    expect(throws.cause).toBeInstanceOf(Error);
  });

  it('rejects a module that exports no strategy, and a default export of the wrong kind', async () => {
    const none = await loadError({ 'empty.js': 'export const x = 1;\n' });
    expect(none.code).toBe('no_strategy_export');
    expect(none.message).toMatch(/empty\.js: exports no strategy/);
    const fn = await loadError({ 'fn.js': 'export default function price() {}\n' });
    expect(fn.message).toMatch(/fn\.js: exports a function where a strategy object was expected/);
  });

  it('fails clearly when the directory does not exist', async () => {
    const error = await loadStrategies({ dir: '/nonexistent/strategies', logger: silent }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StrategyLoadError);
    expect((error as StrategyLoadError).code).toBe('dir_unreadable');
    expect((error as StrategyLoadError).message).toContain(
      '/nonexistent/strategies: cannot read the strategy directory',
    );
  });

  it('loads the shipped strategies', async () => {
    const registry = await loadStrategies({
      dir: resolve(import.meta.dirname, '../../../strategies'),
      logger: silent,
    });
    expect([...registry.keys()].sort()).toEqual(['fair-value-feed', 'fixed-spread', 'inventory-skew']);
  });
});
