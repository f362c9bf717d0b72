/** vitest's global setup: the run's own temporary folder (test/helpers/temp-root.ts). */
import { useRunTempRoot } from '../helpers/temp-root.js';

export default function setup(): () => void {
  return useRunTempRoot();
}
