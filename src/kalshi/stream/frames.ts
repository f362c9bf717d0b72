/**
 * One websocket frame → what it means: a channel event, a command answer, or nothing for us.
 * A frame that cannot be read throws a StreamFrameError; nothing is half-parsed.
 */
import { knownFields, type UnknownReporter, WireFieldError, WireReader } from '../wire-reader.js';
import { type CommunicationsEvent, StreamFrameError } from './events.js';
import {
  BOOK_DELTA_FIELDS,
  BOOK_SNAPSHOT_FIELDS,
  FILL_EVENT_FIELDS,
  mapBookDelta,
  mapBookSnapshot,
  mapFillEvent,
  mapQuoteAccepted,
  mapQuoteCreated,
  mapQuoteExecuted,
  mapRfqCreated,
  mapRfqDeleted,
  QUOTE_ACCEPTED_FIELDS,
  QUOTE_CREATED_FIELDS,
  QUOTE_EXECUTED_FIELDS,
  RFQ_CREATED_FIELDS,
  RFQ_DELETED_FIELDS,
} from './mappers.js';

export type StreamFrame =
  | {
      readonly kind: 'event';
      /** Undefined when the exchange sends none (an older spec had no `seq` on this channel). */
      readonly sid: number | undefined;
      readonly seq: number | undefined;
      readonly message: CommunicationsEvent;
    }
  | {
      readonly kind: 'subscribed';
      readonly id: number | undefined;
      readonly channel: string;
      readonly sid: number;
    }
  | {
      readonly kind: 'error';
      readonly id: number | undefined;
      readonly code: number | undefined;
      readonly message: string;
      readonly sid: number | undefined;
    }
  /** A command's success (`update_subscription`, `list_subscriptions`). */
  | { readonly kind: 'ok'; readonly id: number | undefined }
  /** `unsubscribed`, other channels' messages, types this version does not know. */
  | { readonly kind: 'ignored'; readonly type: string };

const ENVELOPE_FIELDS = knownFields(['type', 'sid', 'seq', 'msg', 'sending_ts_ms', 'id']);
const SUBSCRIBED_FIELDS = knownFields(['channel', 'sid']);
const ERROR_FIELDS = knownFields(['code', 'msg', 'sid']);

const EVENTS = {
  rfq_created: { type: 'rfqCreated', fields: RFQ_CREATED_FIELDS, map: mapRfqCreated },
  rfq_deleted: { type: 'rfqDeleted', fields: RFQ_DELETED_FIELDS, map: mapRfqDeleted },
  quote_created: { type: 'quoteCreated', fields: QUOTE_CREATED_FIELDS, map: mapQuoteCreated },
  quote_accepted: { type: 'quoteAccepted', fields: QUOTE_ACCEPTED_FIELDS, map: mapQuoteAccepted },
  quote_executed: { type: 'quoteExecuted', fields: QUOTE_EXECUTED_FIELDS, map: mapQuoteExecuted },
  fill: { type: 'fill', fields: FILL_EVENT_FIELDS, map: mapFillEvent },
  orderbook_snapshot: { type: 'bookSnapshot', fields: BOOK_SNAPSHOT_FIELDS, map: mapBookSnapshot },
  orderbook_delta: { type: 'bookDelta', fields: BOOK_DELTA_FIELDS, map: mapBookDelta },
} as const;

function isEventType(type: string): type is keyof typeof EVENTS {
  return Object.hasOwn(EVENTS, type);
}

/** Reads one frame's text. Throws StreamFrameError when it is not JSON or a message is malformed. */
export function parseFrame(text: string, reporter: UnknownReporter): StreamFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StreamFrameError(`not JSON (${text.length} bytes)`, undefined, undefined);
  }
  let type: string | undefined;
  let sequence: { sid: number; seq: number } | undefined;
  try {
    const envelope = WireReader.of('ws_frame', json, '', ENVELOPE_FIELDS, reporter);
    type = envelope.str('type');
    if (isEventType(type)) {
      const spec = EVENTS[type];
      const sid = envelope.optInt('sid');
      const seq = envelope.optInt('seq');
      if (sid !== undefined && seq !== undefined) sequence = { sid, seq };
      const sentAt = envelope.optInt('sending_ts_ms');
      const msg = envelope.object('msg', type, spec.fields);
      const message = { type: spec.type, event: spec.map(msg, sentAt) } as CommunicationsEvent;
      return { kind: 'event', sid, seq, message };
    }
    if (type === 'subscribed') {
      const msg = envelope.object('msg', 'ws_subscribed', SUBSCRIBED_FIELDS);
      return {
        kind: 'subscribed',
        id: envelope.optInt('id'),
        channel: msg.str('channel'),
        sid: msg.int('sid'),
      };
    }
    if (type === 'ok') return { kind: 'ok', id: envelope.optInt('id') };
    if (type === 'error') {
      const msg = envelope.has('msg') ? envelope.object('msg', 'ws_error', ERROR_FIELDS) : undefined;
      return {
        kind: 'error',
        id: envelope.optInt('id'),
        code: msg?.optInt('code'),
        message: msg?.optStr('msg') ?? 'no message',
        sid: msg?.optInt('sid') ?? envelope.optInt('sid'),
      };
    }
    return { kind: 'ignored', type };
  } catch (error) {
    if (error instanceof WireFieldError) {
      throw new StreamFrameError(error.message, type, error.field || undefined, sequence);
    }
    throw error;
  }
}
