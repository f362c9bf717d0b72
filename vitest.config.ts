import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'strategies/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Child processes per worker: the process and signal tests spawn and signal real bots.
    pool: 'forks',
    // Each file re-importing the whole module graph cost more than its tests on a 2-core machine;
    // files share a worker's modules instead (no test keeps module-level state between files).
    isolate: false,
    // Most tests wait on sockets, timers and child processes, not the CPU: three files at once
    // even on 2 cores (vitest's default there is one). `npm test` on this 2-core VM: ~100 s with
    // three, ~90 s with four (CPU-bound then, and the timing-sensitive tests get close to their limits).
    maxWorkers: Math.max(3, availableParallelism() - 1),
  },
});
