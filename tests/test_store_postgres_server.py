"""Finding PostgreSQL's server binaries, on PATH or where Debian installs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from registration_fsm import MissingDependencyError
from registration_fsm.testing import postgres


def _fake_bin(directory: Path) -> Path:
    directory.mkdir(parents=True)
    for name in ("initdb", "pg_ctl", "postgres"):
        (directory / name).write_text("#!/bin/sh\n")
        (directory / name).chmod(0o755)
    return directory


def test_the_newest_debian_version_is_found_off_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    debian = tmp_path / "usr-lib-postgresql"
    for version in ("9.6", "13", "16"):
        _fake_bin(debian / version / "bin")
    (debian / "README").mkdir()
    monkeypatch.setattr(postgres, "_DEBIAN", debian)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert postgres.find_postgres_bin() == debian / "16" / "bin"


def test_path_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = _fake_bin(tmp_path / "local" / "bin")
    monkeypatch.setattr(postgres, "_DEBIAN", tmp_path / "none")
    monkeypatch.setenv("PATH", str(on_path))
    assert postgres.find_postgres_bin() == on_path.resolve()


def test_nothing_found_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "_DEBIAN", tmp_path / "none")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert postgres.find_postgres_bin() is None
    with pytest.raises(MissingDependencyError, match="apt-get install postgresql"):
        postgres.TemporaryPostgres()


def test_the_session_server_listens_on_a_socket_in_its_own_directory(
    postgres_server: postgres.TemporaryPostgres,
) -> None:
    import psycopg

    assert postgres_server.directory is not None
    assert f"host={postgres_server.directory} " in postgres_server.dsn()
    with psycopg.connect(postgres_server.dsn()) as conn:
        row = conn.execute("SHOW listen_addresses").fetchone()
        assert row == ("",)
        fsync = conn.execute("SHOW fsync").fetchone()
        assert fsync == ("off",)
