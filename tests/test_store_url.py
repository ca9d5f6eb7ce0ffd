"""open_store: the URLs a service's configuration may name a store by."""

from __future__ import annotations

from pathlib import Path

import pytest

from registration_fsm import Registration, UnsupportedStoreUrl
from registration_fsm.store import (
    ACCEPTED_URLS,
    SCHEMA_VERSION,
    PostgresStore,
    SqliteStore,
    open_store,
)

RID = "registration-0123456789abcdef0123456789abcdef"


def test_sqlite_memory_url() -> None:
    store = open_store("sqlite://:memory:")
    assert isinstance(store, SqliteStore)
    store.save(Registration.new(RID), expected_revision=None)
    assert store.load(RID).revision == 1
    store.close()


def test_sqlite_file_url_is_a_path_after_three_slashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absolute = tmp_path / "abs.db"
    with open_store(f"sqlite:///{absolute}") as store:  # type: ignore[attr-defined]
        store.save(Registration.new(RID), expected_revision=None)
    assert absolute.exists()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    store = open_store("sqlite:///data/rel.db")
    assert isinstance(store, SqliteStore)
    store.close()
    assert (tmp_path / "data" / "rel.db").exists()
    with SqliteStore(absolute) as again:
        assert again.load(RID).revision == 1


def test_postgresql_url(postgres_server: object) -> None:
    dsn: str = postgres_server.create_database()  # type: ignore[attr-defined]
    fields = dict(part.split("=", 1) for part in dsn.split())
    url = f"postgresql://{fields['user']}@/{fields['dbname']}?host={fields['host']}"
    for form in (url, url.replace("postgresql://", "postgres://")):
        store = open_store(form)
        assert isinstance(store, PostgresStore)
        assert store.schema_version == SCHEMA_VERSION
        store.close()


@pytest.mark.parametrize(
    "url",
    ["mysql://x/y", "sqlite://", "sqlite:///", "sqlite:///a.db?mode=ro", "", "/tmp/x.db", 3, None],
)
def test_anything_else_is_a_typed_error_naming_the_accepted_forms(url: object) -> None:
    with pytest.raises(UnsupportedStoreUrl) as caught:
        open_store(url)  # type: ignore[arg-type]
    assert caught.value.url == url
    assert caught.value.accepted == ACCEPTED_URLS
    for form in ACCEPTED_URLS:
        assert form in str(caught.value)
