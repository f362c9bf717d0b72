/**
 * Compiles the bot (src, strategies and the benchmark's worker) to JavaScript in a temporary
 * directory, its entry points bundled, so that the memory scenario measures the bot as the
 * container runs it: plain `node` on compiled code, without tsx's loader thread and in-memory
 * compiler (about 35 MB of RSS).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEntriesInPlace, DIST_ENTRIES } from '../scripts/bundle-dist.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface CompiledBot {
  /** Absolute path of the compiled bench/bot-worker.js. */
  readonly worker: string;
  dispose(): void;
}

export async function compileBot(): Promise<CompiledBot> {
  const dir = mkdtempSync(join(tmpdir(), 'kalshi-bench-'));
  const config = join(dir, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: false, outDir: dir, rootDir: ROOT, declaration: false, sourceMap: false },
      include: [join(ROOT, 'src'), join(ROOT, 'strategies'), join(ROOT, 'bench')],
    }),
  );
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  // Type errors elsewhere in a working tree must not stop the benchmark: tsc still emits.
  await new Promise<void>((resolve) => execFile(tsc, ['-p', config], { cwd: ROOT }, () => resolve()));
  const worker = join(dir, 'bench', 'bot-worker.js');
  if (!existsSync(worker)) throw new Error(`compiling the bot failed (no ${worker})`);
  // Packages resolve from the compiled tree through a link to the project's node_modules.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  // As `npm run build` does for the container: the entry points become bundles, packages in.
  const workerEntries = DIST_ENTRIES.filter((entry) => !entry.endsWith('/main.js'));
  await bundleEntriesInPlace(dir, ['bench/bot-worker.js', ...workerEntries]);
  return { worker, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
