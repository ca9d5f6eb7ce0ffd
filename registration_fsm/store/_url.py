"""Opening a store from a URL, as a service's configuration names it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..clock import Clock
from ..errors import MissingDependencyError, UnsupportedStoreUrl
from ._cache import DEFAULT_CACHE_SIZE, check_cache_size
from ._dynamodb_table import TABLE_NAME
from ._protocol import Store

__all__ = ["ACCEPTED_URLS", "open_store"]

ACCEPTED_URLS = (
    "sqlite:///relative/or/absolute/path.db",
    "sqlite://:memory:",
    "postgresql://user@host:port/dbname",
    "dynamodb://table?region=us-east-1&endpoint_url=http://127.0.0.1:8000",
)

_DYNAMODB_OPTIONS = frozenset({"region", "endpoint_url"})


def open_store(
    url: str, *, clock: Clock | None = None, cache_size: int = DEFAULT_CACHE_SIZE
) -> Store:
    """The store a URL names: ``sqlite:///path``, ``sqlite://:memory:``, ``postgresql://...``,
    ``dynamodb://table``.

    ``sqlite:///data/app.db`` is the relative path ``data/app.db``, ``sqlite:////var/app.db``
    the absolute ``/var/app.db``. ``postgres://`` is read as ``postgresql://``; the URL is
    handed to psycopg as it is (libpq's connection URI). ``dynamodb://table`` opens a
    :class:`DynamoDbStore` on a boto3 client of its own, credentials from boto3's usual chain,
    ``region`` and ``endpoint_url`` (a local stand-in) from the query when given.
    ``cache_size`` is the store's (how many parsed registrations it keeps; 0: none). It is an
    argument, not a URL option: a PostgreSQL URL's query belongs to libpq.
    """
    size = check_cache_size(cache_size)
    if not isinstance(url, str):
        raise UnsupportedStoreUrl(url, ACCEPTED_URLS)
    if url in ("sqlite://:memory:", "sqlite:///:memory:"):
        from ._sqlite import SqliteStore

        return SqliteStore(":memory:", clock=clock, cache_size=size)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path or "?" in path or "\x00" in path:
            raise UnsupportedStoreUrl(url, ACCEPTED_URLS)
        from ._sqlite import SqliteStore

        return SqliteStore(path, clock=clock, cache_size=size)
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            from ._postgres import PostgresStore

            return PostgresStore(
                "postgresql://" + url[len(scheme) :], clock=clock, cache_size=size
            )
    if url.startswith("dynamodb://"):
        return _dynamodb(url, clock, size)
    raise UnsupportedStoreUrl(url, ACCEPTED_URLS)


def _dynamodb(url: str, clock: Clock | None, cache_size: int) -> Store:
    parts = urlsplit(url)
    try:
        options = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        options = {"": ""}
    if (
        TABLE_NAME.fullmatch(parts.netloc) is None
        or parts.path
        or parts.fragment
        or not set(options) <= _DYNAMODB_OPTIONS
        or not all(options.values())
    ):
        raise UnsupportedStoreUrl(url, ACCEPTED_URLS)
    try:
        import boto3  # type: ignore[import-untyped]
    except ImportError as exc:
        raise MissingDependencyError(
            "boto3", "install the aws extra: pip install 'registration-fsm[aws]'"
        ) from exc
    from ._dynamodb import DynamoDbStore

    settings: dict[str, Any] = {}
    if "region" in options:
        settings["region_name"] = options["region"]
    if "endpoint_url" in options:
        settings["endpoint_url"] = options["endpoint_url"]
    client = boto3.client("dynamodb", **settings)
    try:
        return DynamoDbStore(
            parts.netloc, client, clock=clock, owns_client=True, cache_size=cache_size
        )
    except BaseException:
        client.close()
        raise
