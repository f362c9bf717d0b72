/**
 * One temporary folder per test run (vitest, the chaos suite, the soak), removed at its end:
 * helpers, bots and CLIs make ~100 folders a run (keys, journals, kill files, plugin bundles),
 * and a killed process cannot clean up its own. Forks and child processes inherit TMPDIR, so
 * `os.tmpdir()` answers this folder everywhere. KEEP_TEST_TMP=1 keeps it for a post-mortem.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Points TMPDIR at a fresh folder; the returned function removes it. */
export function useRunTempRoot(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'kalshi-rfq-maker-test-'));
  process.env['TMPDIR'] = root;
  return () => {
    if (process.env['KEEP_TEST_TMP']) process.stderr.write(`test files kept in ${root}\n`);
    else rmSync(root, { recursive: true, force: true });
  };
}
