"""Opening a store from a URL, as a service's configuration names it."""

from __future__ import annotations

from ..clock import Clock
from ..errors import UnsupportedStoreUrl
from ._protocol import Store

__all__ = ["ACCEPTED_URLS", "open_store"]

ACCEPTED_URLS = (
    "sqlite:///relative/or/absolute/path.db",
    "sqlite://:memory:",
    "postgresql://user@host:port/dbname",
)


def open_store(url: str, *, clock: Clock | None = None) -> Store:
    """The store a URL names: ``sqlite:///path``, ``sqlite://:memory:``, ``postgresql://...``.

    ``sqlite:///data/app.db`` is the relative path ``data/app.db``, ``sqlite:////var/app.db``
    the absolute ``/var/app.db``. ``postgres://`` is read as ``postgresql://``; the URL is
    handed to psycopg as it is (libpq's connection URI).
    """
    if not isinstance(url, str):
        raise UnsupportedStoreUrl(url, ACCEPTED_URLS)
    if url in ("sqlite://:memory:", "sqlite:///:memory:"):
        from ._sqlite import SqliteStore

        return SqliteStore(":memory:", clock=clock)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path or "?" in path or "\x00" in path:
            raise UnsupportedStoreUrl(url, ACCEPTED_URLS)
        from ._sqlite import SqliteStore

        return SqliteStore(path, clock=clock)
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            from ._postgres import PostgresStore

            return PostgresStore("postgresql://" + url[len(scheme) :], clock=clock)
    raise UnsupportedStoreUrl(url, ACCEPTED_URLS)
