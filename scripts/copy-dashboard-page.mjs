// `npm run build` step: tsc compiles only TypeScript, so the dashboard page (HTML, CSS and
// browser JavaScript) is copied beside the compiled dashboard module, where it is looked for.
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../src/ops/dashboard/page/', import.meta.url));
const to = fileURLToPath(new URL('../dist/src/ops/dashboard/page/', import.meta.url));
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
console.log(`dashboard page copied to ${to}`);
