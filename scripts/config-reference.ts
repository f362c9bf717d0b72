/**
 * Regenerates the configuration reference in docs/configuration.md from the config schema.
 *   npm run config:reference            rewrite the block between the markers
 *   npm run config:reference -- --check exit 1 when the block is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { replaceReferenceBlock } from '../src/config/reference.js';

const readmePath = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
const current = readFileSync(readmePath, 'utf8');
const next = replaceReferenceBlock(current);

if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error(
      'docs/configuration.md: the configuration reference is stale; run `npm run config:reference`',
    );
    process.exit(1);
  }
  console.log('docs/configuration.md: the configuration reference is up to date');
} else if (next === current) {
  console.log('docs/configuration.md: the configuration reference is already up to date');
} else {
  writeFileSync(readmePath, next);
  console.log('docs/configuration.md: configuration reference regenerated');
}
