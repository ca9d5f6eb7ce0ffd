"""A throwaway PostgreSQL server for tests and benchmarks, run from the installed binaries.

:class:`TemporaryPostgres` runs ``initdb`` and ``pg_ctl`` in a temporary directory. The
server listens on a unix socket in that directory only (no TCP port at all), runs without
fsync (its data is thrown away), and is stopped and deleted by :meth:`~TemporaryPostgres.stop`.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user
(created by Debian's package), or a system user made for it.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import MissingDependencyError

__all__ = ["INSTALL_HINT", "TemporaryPostgres", "find_postgres_bin"]

INSTALL_HINT = (
    "install PostgreSQL's server binaries (initdb, pg_ctl): `apt-get install postgresql` on "
    "Debian or Ubuntu, `brew install postgresql` on macOS; they are looked for on PATH and "
    "in /usr/lib/postgresql/<version>/bin"
)

_DEBIAN = Path("/usr/lib/postgresql")
_FALLBACK_USER = "rfsm-postgres"


def find_postgres_bin() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or None."""
    found = shutil.which("initdb")
    if found is not None:
        directory = Path(found).resolve().parent
        if (directory / "pg_ctl").exists() and (directory / "postgres").exists():
            return directory
    if _DEBIAN.is_dir():
        versions = []
        for candidate in _DEBIAN.iterdir():
            if (
                re.fullmatch(r"\d+(\.\d+)?", candidate.name)
                and (candidate / "bin" / "initdb").exists()
            ):
                versions.append((tuple(int(p) for p in candidate.name.split(".")), candidate))
        if versions:
            return max(versions)[1] / "bin"
    return None


def _server_user() -> str | None:
    """The user to run the server as: None when not root, else an unprivileged one."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", _FALLBACK_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            _FALLBACK_USER,
        ],
        check=True,
        capture_output=True,
    )
    return _FALLBACK_USER


class TemporaryPostgres:
    """A PostgreSQL server in a temporary directory; :meth:`start`, :meth:`stop`."""

    def __init__(self, bindir: Path | None = None) -> None:
        found = bindir if bindir is not None else find_postgres_bin()
        if found is None:
            raise MissingDependencyError("PostgreSQL", INSTALL_HINT)
        self.bindir = found
        self.directory: Path | None = None
        self._user: str | None = None
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}")

    def start(self) -> TemporaryPostgres:
        """initdb a fresh cluster and start it; returns self."""
        self._user = _server_user()
        self.directory = Path(tempfile.mkdtemp(prefix="rfsm-pg-"))
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        data = self.directory / "data"
        self._run(
            "initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync", "--locale=C",
        )  # fmt: skip
        options = (
            f"-c listen_addresses='' -k {self.directory} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.directory / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip
        return self

    def dsn(self, dbname: str = "postgres") -> str:
        """The libpq connection string of a database on this server."""
        if self.directory is None:
            raise RuntimeError("the server is not started")
        return f"host={self.directory} port=5432 user=postgres dbname={dbname}"

    def create_database(self) -> str:
        """A new, empty database; returns its connection string."""
        import psycopg

        name = f"rfsm_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def stop(self) -> None:
        """Stop the server at once and delete its directory."""
        if self.directory is None:
            return
        try:
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
