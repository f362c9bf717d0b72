/**
 * The journal's schema, versioned in code. `PRAGMA user_version` holds the version a file is at;
 * opening a file applies the missing migrations in one transaction each, in order. A file from a
 * newer version of the bot is refused rather than guessed at.
 */

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    description: 'runs, events, rfqs, fills',
    sql: `
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        started_at INTEGER NOT NULL,
        stopped_at INTEGER,
        git_commit TEXT NOT NULL,
        config_hash TEXT NOT NULL,
        environment TEXT NOT NULL,
        pid INTEGER NOT NULL,
        stop_reason TEXT,
        open_at_exit INTEGER
      );
      -- Every event in the order it was recorded; data is the whole event as JSON.
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        run_id TEXT,
        rfq_id TEXT,
        quote_id TEXT,
        market TEXT,
        strategy TEXT,
        data TEXT NOT NULL
      );
      CREATE INDEX events_at ON events (at);
      CREATE INDEX events_kind_at ON events (kind, at);
      CREATE INDEX events_rfq ON events (rfq_id) WHERE rfq_id IS NOT NULL;
      CREATE INDEX events_mark ON events (market, at) WHERE kind = 'mark';
      -- One row per RFQ: when it was first and last seen, and how it ended.
      CREATE TABLE rfqs (
        rfq_id TEXT PRIMARY KEY,
        market TEXT NOT NULL,
        event TEXT,
        contracts INTEGER,
        target_cost INTEGER,
        source TEXT NOT NULL,
        created_at INTEGER,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        gone_at INTEGER,
        gone_reason TEXT
      );
      CREATE INDEX rfqs_first_seen ON rfqs (first_seen);
      -- The exchange's fills: the record of positions, P&L and fees. trade_id makes a fill seen
      -- twice (websocket and listing) count once.
      CREATE TABLE fills (
        trade_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        market TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('yes', 'no')),
        contracts INTEGER NOT NULL,
        price INTEGER NOT NULL,
        fee INTEGER NOT NULL,
        is_taker INTEGER NOT NULL,
        traded_at INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        rfq_id TEXT,
        quote_id TEXT,
        strategy TEXT,
        run_id TEXT
      );
      CREATE INDEX fills_traded_at ON fills (traded_at);
      CREATE INDEX fills_market ON fills (market, traded_at);
    `,
  },
]);

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
