/**
 * `App.start()` quit because a stop was requested while it ran: not a failure. The stop that
 * asked for it unwinds whatever had started.
 */
export class StartupAbortedError extends Error {
  override readonly name = 'StartupAbortedError';
  readonly code = 'startup_aborted';
  constructor(
    /** The last step startup completed before it quit. */
    readonly step: string,
  ) {
    super(`startup stopped after ${step}: a stop was requested`);
  }
}
