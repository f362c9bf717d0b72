/** The Kalshi client's public surface. */

export type { AuthHeaders, KalshiCredentials, PrivateKeySource } from './auth.js';
export {
  ACCESS_KEY_HEADER,
  ACCESS_SIGNATURE_HEADER,
  ACCESS_TIMESTAMP_HEADER,
  KeyLoadError,
  loadPrivateKey,
  loadPrivateKeyFile,
  makeCredentials,
  parsePrivateKey,
  signMessage,
  signRequest,
  signWebSocketHandshake,
  stringToSign,
} from './auth.js';
export { KalshiClient } from './client.js';
export type { CreateRfqArgs, DeleteResult, ListOptions, QuoteFilter, RfqFilter } from './communications.js';
export type { EndpointDef, EndpointKey, PathStyle, QuoteOperation } from './endpoints.js';
export { ENDPOINTS, EndpointCostTable, fillPath, quoteEndpoint, routeKey } from './endpoints.js';
export { errorFromResponse, parseErrorBody } from './error-response.js';
export type {
  ErrorContext,
  ExchangeErrorBody,
  HttpMethod,
  KalshiApiErrorInit,
  RetryClass,
} from './errors.js';
export {
  AbortedError,
  AuthenticationError,
  BadRequestError,
  ClientConfigError,
  ConflictError,
  isExchangeFault,
  KalshiApiError,
  NetworkError,
  NotFoundError,
  OversizedPageError,
  PaginationError,
  PermissionError,
  QuoteOutcomeUnknownError,
  RateLimitError,
  RequestValidationError,
  ResponseFormatError,
  ResponseTooLargeError,
  retryClassOf,
  ServerError,
  TimeoutError,
  UnexpectedStatusError,
} from './errors.js';
export type { Bucket, BudgetSnapshot, Priority, RequestGate, RequestSpec } from './gate.js';
export { GateRejectedError, PRIORITY_ORDER, unlimitedGate } from './gate.js';
export type { Page, PositionsPage } from './mappers.js';
export { mapQuote, mapRfq, QUOTE_STATUSES, RFQ_STATUSES } from './mappers.js';
export { mapMarket } from './mappers-market.js';
export type { EventOptions, MarketFilter } from './market-endpoints.js';
export type { FetchLike, KalshiClientOptions, ResponseInfo } from './options.js';
export { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, normalizeBaseUrl } from './options.js';
export type { CancelOrderResult, OrderFilter } from './orders.js';
export { ORDER_STATUSES } from './orders.js';
export type { PaginationOptions } from './pagination.js';
export { DEFAULT_MAX_PAGES } from './pagination.js';
export type { AllPositions, BalanceOptions, FillFilter, PositionEntry, PositionFilter } from './portfolio.js';
export type { ConfirmOptions, CreateQuoteArgs } from './quote-writes.js';
export type { RetryPolicy, Sleep } from './retry.js';
export { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableIdempotent } from './retry.js';
export type { CommunicationsStreamOptions, StreamStats } from './stream/communications-stream.js';
export { CommunicationsStream } from './stream/communications-stream.js';
export type {
  BookDeltaEvent,
  BookSnapshotEvent,
  CommunicationsEvent,
  CommunicationsStreamEvents,
  PushedQuote,
  PushedQuotePrices,
  QuoteAcceptedEvent,
  QuoteCreatedEvent,
  QuoteExecutedEvent,
  RfqCreatedEvent,
  RfqDeletedEvent,
  StreamDisconnect,
  StreamGap,
} from './stream/events.js';
export { isBookFrameType, StreamFrameError } from './stream/events.js';
export type { CallOptions } from './transport.js';
export type { Loose } from './wire-reader.js';
export { compact, knownFields, UnknownReporter, WireFieldError, WireReader } from './wire-reader.js';
