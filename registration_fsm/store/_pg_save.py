"""A PostgreSQL save in one statement, when the journal head at the expected revision is known.

A save must chain its entries onto the registration's last entry, so in general it reads the
head first, inside its transaction. But the head at a revision never changes (only a save
moves either, together), so a store that loaded or saved that revision knows it, and then
the whole save (release the intent, compare and set, append the entries) is one statement:
one round trip, atomic on its own. When the revision moved or the intent is gone, the
statement aborts itself through ``rfsm_refuse``, and everything it did is undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._protocol import Intent

__all__ = ["REFUSED", "one_statement_save"]

REFUSED = "RF001"
"""The SQLSTATE ``rfsm_refuse`` raises: the save was refused, nothing was written."""

REFUSE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION rfsm_refuse(reason text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN RAISE EXCEPTION USING ERRCODE = '{REFUSED}', MESSAGE = reason; END $$;
"""

_ENTRY_CASTS = (
    "(%s::text, %s::bigint, %s::integer, %s::text, %s::text, %s::text, %s::timestamptz, "
    "%s::text, %s::text, %s::timestamptz, %s::text, %s::text)"
)
_JOURNAL_COLUMNS = (
    "registration_id, sequence, version_number, trigger, from_status, to_status, stamp, "
    "source, worker_id, recorded_at, previous_hash, hash"
)


def one_statement_save(
    *,
    rid: str,
    expected: int | None,
    status: str,
    due: object,
    body: str,
    head: str | None,
    sequence: int,
    entries: Sequence[tuple[Any, ...]],
    release: Intent | None,
    body_back: bool = False,
) -> tuple[str, list[Any]]:
    """The statement and its parameters; it returns one row, or raises :data:`REFUSED`.

    With ``body_back`` the row holds the body as PostgreSQL prints the stored ``jsonb``
    (``body::text``: not the text sent, but the very text a later load reads), for the
    store's cache of parsed registrations; else it holds 1.
    """
    returned = "body::text AS body" if body_back else "1"
    parts: list[str] = []
    params: list[Any] = []
    gate = ""
    if release is not None:
        parts.append(
            "released AS (DELETE FROM rfsm_intents WHERE registration_id = %s "
            "AND version_number = %s AND operation = %s AND token = %s RETURNING 1)"
        )
        params += [release.registration_id, release.version_number, release.operation]
        params.append(release.token)
        gate = " AND EXISTS (SELECT 1 FROM released)"
    if expected is None:
        parts.append(
            "cas AS (INSERT INTO rfsm_registrations (registration_id, revision, status, "
            "next_check_at, body, journal_head, journal_sequence) "
            "SELECT %s, 1, %s, %s::timestamptz, %s::jsonb, %s, %s"
            + (" WHERE EXISTS (SELECT 1 FROM released)" if gate else "")
            + f" ON CONFLICT (registration_id) DO NOTHING RETURNING {returned})"
        )
        params += [rid, status, due, body, head, sequence]
    else:
        parts.append(
            "cas AS (UPDATE rfsm_registrations SET revision = revision + 1, status = %s, "
            "next_check_at = %s::timestamptz, lease_owner = NULL, lease_expires_at = NULL, "
            "body = %s::jsonb, journal_head = %s, journal_sequence = %s "
            f"WHERE registration_id = %s AND revision = %s{gate} RETURNING {returned})"
        )
        params += [status, due, body, head, sequence, rid, expected]
    if entries:
        values = ", ".join([_ENTRY_CASTS] * len(entries))
        parts.append(
            f"appended AS (INSERT INTO rfsm_journal ({_JOURNAL_COLUMNS}) SELECT v.* FROM "
            f"(VALUES {values}) AS v ({_JOURNAL_COLUMNS}) WHERE EXISTS (SELECT 1 FROM cas))"
        )
        for row in entries:
            params += row
    result = "(SELECT body FROM cas)" if body_back else "1"
    refuse = "rfsm_refuse('refused: the revision moved or the intent is gone')"
    sql = (
        "WITH " + ", ".join(parts) + f" SELECT CASE WHEN EXISTS (SELECT 1 FROM cas) THEN "
        f"{result} ELSE {refuse}{'::text' if body_back else ''} END"
    )
    return sql, params
