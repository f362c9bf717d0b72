import type { Logger } from 'pino';
import type { SimUser } from '../accounts/accounts.js';
import type { SimFill, SimPosition } from '../accounts/ledger.js';
import type { SimQuote, SimRfq } from './types.js';

/** What the exchange announces; the websocket, takers and stats listen. */
export interface ExchangeEventMap {
  rfqCreated: SimRfq;
  rfqClosed: SimRfq;
  quoteCreated: SimQuote;
  quoteAccepted: SimQuote;
  quoteConfirmed: SimQuote;
  /** The confirm window ran out (the quote may stay `accepted`). */
  quoteLapsed: SimQuote;
  quoteCancelled: SimQuote;
  quoteExecuted: SimQuote;
  /** An open quote vanished in a server roll (nothing is pushed for it). */
  quoteFlushed: SimQuote;
  fill: SimFill;
  /** A fill moved a user's position (the websocket `market_positions` channel). */
  positionChanged: { readonly user: SimUser; readonly position: SimPosition };
}

type Listener<T> = (payload: T) => void;

export class EventBus {
  private readonly listeners = new Map<keyof ExchangeEventMap, Set<Listener<never>>>();

  constructor(private readonly logger: Logger) {}

  on<K extends keyof ExchangeEventMap>(event: K, listener: Listener<ExchangeEventMap[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** A throwing listener is logged and skipped: it must not leave the exchange half-updated. */
  emit<K extends keyof ExchangeEventMap>(event: K, payload: ExchangeEventMap[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<ExchangeEventMap[K]>)(payload);
      } catch (err) {
        this.logger.error({ err, event }, 'exchange event listener failed');
      }
    }
  }
}
