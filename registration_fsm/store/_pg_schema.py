"""The PostgreSQL store's schema, by version: what ``PostgresStore.migrate`` runs."""

from __future__ import annotations

from ._pg_save import REFUSE_FUNCTION

__all__ = ["MIGRATIONS", "MIGRATION_LOCK"]

_SCHEMA_1 = (
    """
CREATE TABLE IF NOT EXISTS rfsm_registrations (
    registration_id text PRIMARY KEY,
    revision bigint NOT NULL CHECK (revision >= 1),
    status text NOT NULL,
    next_check_at timestamptz,
    lease_owner text,
    lease_expires_at timestamptz,
    journal_head text,
    journal_sequence bigint NOT NULL DEFAULT 0,
    body jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS rfsm_registrations_status ON rfsm_registrations (status);
CREATE INDEX IF NOT EXISTS rfsm_registrations_due ON rfsm_registrations (next_check_at);
CREATE TABLE IF NOT EXISTS rfsm_journal (
    registration_id text NOT NULL,
    sequence bigint NOT NULL CHECK (sequence >= 1),
    version_number integer NOT NULL,
    trigger text NOT NULL,
    from_status text,
    to_status text NOT NULL,
    stamp timestamptz,
    source text NOT NULL CHECK (source IN ('local', 'answer', 'reconcile', 'event')),
    worker_id text,
    recorded_at timestamptz NOT NULL,
    previous_hash text NOT NULL CHECK (length(previous_hash) = 64),
    hash text NOT NULL CHECK (length(hash) = 64),
    PRIMARY KEY (registration_id, sequence)
);
CREATE OR REPLACE FUNCTION rfsm_journal_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'rfsm_journal is append-only'; END $$;
DROP TRIGGER IF EXISTS rfsm_journal_no_change ON rfsm_journal;
CREATE TRIGGER rfsm_journal_no_change BEFORE UPDATE OR DELETE ON rfsm_journal
FOR EACH ROW EXECUTE FUNCTION rfsm_journal_append_only();
DROP TRIGGER IF EXISTS rfsm_journal_no_truncate ON rfsm_journal;
CREATE TRIGGER rfsm_journal_no_truncate BEFORE TRUNCATE ON rfsm_journal
FOR EACH STATEMENT EXECUTE FUNCTION rfsm_journal_append_only();
CREATE TABLE IF NOT EXISTS rfsm_intents (
    registration_id text NOT NULL,
    version_number integer NOT NULL,
    operation text NOT NULL,
    worker_id text NOT NULL,
    claimed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    token text NOT NULL,
    PRIMARY KEY (registration_id, version_number, operation)
);
CREATE INDEX IF NOT EXISTS rfsm_intents_expiry ON rfsm_intents (expires_at);
"""
    + REFUSE_FUNCTION
)

_SCHEMA_2 = """
CREATE TABLE IF NOT EXISTS rfsm_events (
    registration_id text NOT NULL,
    event_id text NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (registration_id, event_id)
);
"""

MIGRATIONS: dict[int, str] = {1: _SCHEMA_1, 2: _SCHEMA_2}
"""The statements that take a database from schema version n-1 to n, by n."""

# Any constant: migrations of one database take this advisory lock, one at a time.
MIGRATION_LOCK = 0x7266736D
