import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'strategies/**/*.test.ts'],
    // A temporary folder of the run's own (TMPDIR for every fork and child), removed at its end.
    globalSetup: [fileURLToPath(new URL('test/setup/temp-root.ts', import.meta.url))],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Child processes per worker: the process and signal tests spawn and signal real bots.
    pool: 'forks',
    // Each file re-importing the whole module graph cost more than its tests on a 2-core machine;
    // files share a worker's modules instead (no test keeps module-level state between files).
    isolate: false,
    // Most tests wait on sockets, timers and child processes, not the CPU: five files at once
    // even on 2 cores (vitest's default there is one). `npm test` on this 2-core VM: ~85 s with
    // three, 72–75 s with four (2026-12-06, ~125 s of CPU). With 90–112 s of CPU (2026-12-07,
    // four alternating pairs): four 58–69 s, wall ≈ 0.59–0.62 × CPU; five 51–62 s, ≈ 0.56 × CPU.
    maxWorkers: Math.max(5, availableParallelism() - 1),
    // Transformed modules kept between runs (node_modules/.experimental-vitest-cache, keyed by
    // content): ~8 s less CPU on a warm run. Experimental in vitest 4; delete the folder if in doubt.
    experimental: { fsModuleCache: true },
  },
});
