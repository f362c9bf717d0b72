/** Timer functions, injectable so tests can drive time. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = Object.freeze({
  setTimeout: (callback: () => void, ms: number): unknown => {
    const handle = setTimeout(callback, ms);
    // a risk timer alone must not keep the process alive
    handle.unref();
    return handle;
  },
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});
