#!/usr/bin/env python3
"""A throwaway PostgreSQL cluster for the tests: made in a temporary folder, listening on a free
127.0.0.1 port (and a socket in that folder), trusted local logins, durability off (fsync,
synchronous commit: nothing here outlives the run). Stopped by its postmaster's PID, then
deleted.

    python3 tools/pg_throwaway.py start     # prints the admin URL, the folder, the PID
    python3 tools/pg_throwaway.py stop FOLDER
    python3 tools/pg_throwaway.py find      # prints initdb's path; exit 1 when not installed

Needs Debian's ``postgresql`` (``initdb`` and ``pg_ctl`` on PATH or in
``/usr/lib/postgresql/VERSION/bin``). PostgreSQL refuses to run as root: as root, the cluster
belongs to the ``postgres`` user and its commands run through ``runuser``. Standard library
only: ``.ci/run`` calls it before the virtual environment exists, and ``tests/conftest.py``
imports it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: the superuser of the cluster (also its login in the URL)
USER = "postgres"
#: the settings of a cluster nobody needs to survive a crash
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


@dataclass
class Cluster:
    url: str
    folder: Path
    pid: int
    port: int


def find_bin(name: str) -> str | None:
    """The path of a PostgreSQL program: on PATH, else the newest Debian install's."""
    found = shutil.which(name)
    if found:
        return found
    versions = {}
    for path in glob.glob(f"/usr/lib/postgresql/*/bin/{name}"):
        version = Path(path).parents[1].name
        versions[int(version) if version.isdigit() else 0] = path
    return versions[max(versions)] if versions else None


def _as_owner(command: list[str]) -> list[str]:
    """``command`` run as the cluster's owner (``postgres`` when we are root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", USER, "--", *command]
    return command


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(attempts: int = 3) -> Cluster:
    """Create and start a cluster; raises RuntimeError (with the server's log) on failure."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="pineopt-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(USER)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, log = folder / "data", folder / "server.log"
    try:
        _run(
            [initdb, "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C", "-N"],
            "initdb",
        )
        for attempt in range(attempts):
            port = _free_port()
            options = [f"-p {port}", f"-k {folder}"]
            options += [f"-c {key}={value}" for key, value in SETTINGS.items()]
            started = subprocess.run(
                _as_owner(
                    [
                        pg_ctl,
                        "-D",
                        str(data),
                        "-l",
                        str(log),
                        "-w",
                        "-t",
                        "60",
                        "-o",
                        " ".join(options),
                        "start",
                    ]
                ),
                capture_output=True,
                text=True,
            )
            if started.returncode == 0:
                pid = int((data / "postmaster.pid").read_text().split()[0])
                url = f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"
                return Cluster(url, folder, pid, port)
            if attempt == attempts - 1:  # the port may have been taken meanwhile: try another
                text = log.read_text() if log.exists() else started.stderr
                raise RuntimeError(f"PostgreSQL did not start:\n{text[-2000:]}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    raise AssertionError("unreachable")


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(_as_owner(command), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{what} failed:\n{done.stdout[-1000:]}{done.stderr[-1000:]}")


def stop(folder: str | Path, timeout: float = 30.0) -> None:
    """Stop the cluster in ``folder`` by its postmaster's PID (fast shutdown, then immediate)
    and delete the folder."""
    folder = Path(folder)
    pid_file = folder / "data" / "postmaster.pid"
    with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
        pid = int(pid_file.read_text().split()[0])
        for sig in (signal.SIGINT, signal.SIGQUIT):
            if not _alive(pid):
                break
            os.kill(pid, sig)
            deadline = time.monotonic() + timeout
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
    shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (our own child, not yet reaped) counts as gone
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return True


def main(argv: list[str]) -> int:
    if argv[:1] == ["start"] and len(argv) == 1:
        cluster = start()
        print(cluster.url, cluster.folder, cluster.pid, sep="\n")
        return 0
    if argv[:1] == ["stop"] and len(argv) == 2:
        stop(argv[1])
        return 0
    if argv == ["find"]:
        initdb = find_bin("initdb")
        print(initdb or "PostgreSQL is not installed")
        return 0 if initdb else 1
    print("usage: pg_throwaway.py start | stop FOLDER | find", file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except RuntimeError as error:
        print(f"pg_throwaway: {error}", file=sys.stderr)
        sys.exit(1)
