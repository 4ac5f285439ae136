"""The bubblewrap sandbox: a converted strategy runs there as it runs in-process, and every
escape attempt fails with a clear error while this process carries on.

Most attempts go through ``_run_in_sandbox`` (no static check) and start from the classic
in-process escape - ``ctx.__class__.__init__.__globals__`` reaches the engine's ``sys`` and
from there the real ``os`` and ``builtins`` - so that what stops them is the sandbox's own
walls. Each run starts an interpreter in the sandbox (about a second and a half of CPU), so
attempts that can share a run do: one script tries every path and reports each failure.

The tests skip where bubblewrap cannot run, unless ``PINEOPT_REQUIRE_SANDBOX=1``.
"""

import contextlib
import json
import math
import os
import re
import socket
import textwrap
import threading
import uuid
from pathlib import Path

import pandas as pd
import pytest

import pineopt
from pineopt.errors import PineOptError
from pineopt.server import sandbox
from pineopt.server.sandbox import Limits, SandboxError, SandboxUnavailable
from pineopt.server.upload_check import UploadRejected

EXAMPLES = Path(__file__).parents[2] / "examples"
SMA = EXAMPLES / "sma_cross_strategy.pine"

ESCAPE = """\
DECLARATION = {{"kind": "strategy", "title": "escape"}}


def script(ctx):
    modules = ctx.__class__.__init__.__globals__["sys"].modules
    os, builtins = modules["os"], modules["builtins"]
    OSError = builtins.OSError
{attempt}
"""


def escape(attempt: str) -> str:
    """A module whose script gets the real ``os`` and ``builtins`` (and ``OSError``, which the
    child does not give the module), then runs ``attempt``."""
    return ESCAPE.format(attempt=textwrap.indent(textwrap.dedent(attempt), "    "))


@pytest.fixture
def needs_sandbox():
    if not sandbox.available():
        try:
            sandbox.require()
        except SandboxUnavailable as exc:
            if os.environ.get("PINEOPT_REQUIRE_SANDBOX") == "1":
                pytest.fail(f"PINEOPT_REQUIRE_SANDBOX=1 but the sandbox is unavailable: {exc}")
            pytest.skip(f"the sandbox is unavailable here: {exc}")


@pytest.fixture(scope="module")
def btc():
    return pineopt.load("BTCUSDT", "1h", provider="sample").frame.iloc[:3000]


@pytest.fixture(scope="module")
def few(btc):
    return btc.iloc[:50]


@pytest.fixture(scope="module")
def sma_code():
    return pineopt.convert(SMA).code


def failure(source: str, bars, **options) -> SandboxError:
    with pytest.raises(SandboxError) as caught:
        sandbox._run_in_sandbox(source, bars, **options)
    assert "Traceback" not in str(caught.value)
    return caught.value


def reported(error: SandboxError) -> list[str]:
    """The ``" | "``-separated reports of a script that raised ``RuntimeError(report)``."""
    (message,) = re.findall(r"RuntimeError: (.*)", str(error))
    return message.split(" | ")


# --------------------------------------------------------------------------- it runs


def test_a_converted_strategy_gives_what_it_gives_in_process(needs_sandbox, btc, sma_code):
    inputs = {"fastLength": 20}
    ours = sandbox.run_python_strategy(sma_code, btc, symbol="BINANCE:BTCUSDT", inputs=inputs)
    theirs = pineopt.run(SMA, btc, symbol="BINANCE:BTCUSDT", inputs=inputs)
    assert len(ours.trades) > 5
    pd.testing.assert_frame_equal(ours.trades, theirs.trades)
    pd.testing.assert_frame_equal(ours.equity, theirs.equity)
    pd.testing.assert_frame_equal(ours.plots, theirs.plots)
    assert ours.metrics.keys() == theirs.metrics.keys()
    for side, values in theirs.metrics.items():
        for key, value in values.items():
            mine = ours.metrics[side][key]
            assert mine == value or (math.isnan(mine) and math.isnan(value)), (side, key)
    assert ours.declaration == theirs.declaration
    assert [(i.name, i.value) for i in ours.inputs] == [(i.name, i.value) for i in theirs.inputs]
    assert ours.source == sma_code
    assert ours.data_fingerprint == theirs.data_fingerprint


def test_a_script_error_points_at_the_upload_line(needs_sandbox, few, sma_code):
    lines = sma_code.splitlines()
    at = next(i for i, line in enumerate(lines) if "broker.begin_bar(bar_index)" in line)
    lines.insert(at + 1, "        ratio = 1 / (bar_index - 7)")
    with pytest.raises(SandboxError) as caught:
        sandbox.run_python_strategy("\n".join(lines), few, filename="mine.py")
    stamp = few.index[7].isoformat()
    assert caught.value.reason == "script"
    assert str(caught.value).splitlines() == [
        f"mine.py:{at + 2}:17: error: ZeroDivisionError: division by zero (bar 7, {stamp})",
        "        ratio = 1 / (bar_index - 7)",
        "                ^^^^^^^^^^^^^^^^^^^",
    ]


def test_a_bad_input_override_is_named(needs_sandbox, few, sma_code):
    error = failure(sma_code, few, inputs={"nope": 1})
    assert error.reason == "input"
    assert "no input named 'nope'" in str(error)


def test_a_rejected_upload_never_reaches_the_sandbox(needs_sandbox, few):
    with pytest.raises(UploadRejected, match="import of 'os' is not allowed"):
        sandbox.run_python_strategy("import os\n", few)


# --------------------------------------------------------------------------- limits


def test_allocating_10_gb_hits_the_memory_limit(needs_sandbox, few):
    source = (
        "DECLARATION = {'kind': 'strategy', 'title': 'hoard'}\n"
        "def script(ctx):\n"
        "    hoard = [0.0] * (10 * 2**30 // 8)\n"
    )
    with pytest.raises(SandboxError) as caught:
        sandbox.run_python_strategy(source, few)
    assert caught.value.reason == "memory"
    assert str(caught.value).startswith(
        "strategy.py:3:13: error: the strategy exceeded its memory limit of 2 GiB"
    )


def test_an_endless_loop_hits_the_cpu_limit(needs_sandbox, few):
    source = (
        "DECLARATION = {'kind': 'strategy', 'title': 'spin'}\n"
        "def script(ctx):\n"
        "    while True:\n"
        "        pass\n"
    )
    with pytest.raises(SandboxError) as caught:
        sandbox.run_python_strategy(source, few, limits=Limits(cpu_seconds=3))
    assert caught.value.reason == "cpu"
    assert str(caught.value) == "the strategy exceeded its CPU time limit of 3 s"


def test_a_fork_bomb_hits_the_process_limit(needs_sandbox, few):
    error = failure(escape("while True:\n    os.fork()"), few, limits=Limits(processes=16))
    assert error.reason == "processes"
    assert "the strategy exceeded its limit of 16 processes and threads" in str(error)


def test_a_huge_file_hits_the_file_size_limit(needs_sandbox, few):
    attempt = """\
    with builtins.open("/tmp/big", "wb") as stream:
        stream.write(b"x" * (4 << 20))
    """
    error = failure(escape(attempt), few, limits=Limits(file_bytes=1 << 20))
    assert error.reason == "file_size"
    assert "the strategy exceeded its file size limit of 1 MiB" in str(error)


def test_the_wall_clock_limit_kills_the_whole_process_tree(needs_sandbox, few, monkeypatch):
    """The script starts a grandchild and sleeps: both are gone when the call returns. The
    kill waits for the sandbox's PID-namespace init, which the kernel lets exit only after
    every process in its namespace (bwrap reports its PID: the wait must have happened)."""
    waited: list[int] = []
    wait_exited = sandbox._wait_exited
    monkeypatch.setattr(sandbox, "_wait_exited", lambda pid: (waited.append(pid), wait_exited(pid)))
    marker = f"pineopt-sandbox-test-{uuid.uuid4().hex}"
    attempt = f"""\
    python = modules["sys"].executable
    os.posix_spawn(python, [python, "-c", "import time; time.sleep(1000)", {marker!r}], {{}})
    modules["time"].sleep(1000)
    """
    seen = threading.Event()
    done = threading.Event()

    def watch():
        while not done.is_set():
            if processes_with(marker):
                seen.set()
            done.wait(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        error = failure(escape(attempt), few, limits=Limits(wall_seconds=8))
    finally:
        done.set()
        watcher.join()
    assert error.reason == "wall"
    assert str(error) == "the strategy exceeded its wall-clock limit of 8 s and was stopped"
    assert seen.is_set(), "the grandchild never started: the limit is too tight for this host"
    assert len(waited) == 1 and waited[0] > 1
    assert processes_with(marker) == []


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone meanwhile
            pass
    return found


# --------------------------------------------------------------------------- walls


def test_files_outside_the_sandbox_cannot_be_read(needs_sandbox, few, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the host's secret")
    paths = [str(secret), "/etc/shadow", "/etc/passwd", str(Path.home() / ".bashrc")]
    attempt = f"""\
    found = []
    for path in {paths!r}:
        try:
            with builtins.open(path) as stream:
                found.append("READ " + path + ": " + stream.read())
        except OSError as exc:
            found.append(type(exc).__name__ + " " + path)
    root = sorted(os.listdir("/root")) if os.path.isdir("/root") else None
    found.append("no root" if root is None else "root holds " + ",".join(root))
    raise RuntimeError(" | ".join(found))
    """
    error = failure(escape(attempt), few)
    reports = reported(error)
    assert reports[:4] == [f"FileNotFoundError {path}" for path in paths]
    python_dirs = {p.parts[2] for p in sandbox._python_dirs() if p.parts[1:2] == ("root",)}
    assert reports[4] in ("no root", f"root holds {','.join(sorted(python_dirs))}")
    assert secret.read_text() == "the host's secret"


def test_nothing_can_be_written_outside_the_private_tmp(needs_sandbox, few, tmp_path):
    targets = [
        str(tmp_path / "written"),
        "/usr/written",
        "/etc/written",
        "/written",
        "/dev/shm/written",
        "/sandbox/out/new.txt",
        "/sandbox/job/strategy.py",
    ]
    attempt = f"""\
    found = []
    for path in {targets!r}:
        try:
            with builtins.open(path, "w") as stream:
                stream.write("x")
            found.append("WROTE " + path)
        except OSError as exc:
            found.append(type(exc).__name__ + " " + path + " " + exc.strerror)
    for make in (os.symlink, os.link):
        try:
            make("/sandbox/job/job.json", "/sandbox/out/link")
            found.append("LINKED")
        except OSError as exc:
            found.append(make.__name__ + " " + exc.strerror)
    with builtins.open("/tmp/scratch", "w") as stream:
        found.append("tmp ok " + str(stream.write("fine")))
    raise RuntimeError(" | ".join(found))
    """
    reports = reported(failure(escape(attempt), few))
    assert reports[0] == f"FileNotFoundError {targets[0]} No such file or directory"
    for report, target in zip(reports[1:7], targets[1:], strict=True):
        assert report.startswith(("OSError", "PermissionError", "FileNotFoundError"))
        assert target in report and "WROTE" not in report
    assert reports[5].endswith("Read-only file system")  # the output directory
    assert reports[7:] == [
        "symlink Read-only file system",
        "link Read-only file system",
        "tmp ok 4",
    ]
    assert not (tmp_path / "written").exists()


def test_no_connection_leaves_the_sandbox(needs_sandbox, few):
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted = []

    def serve(stop):
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(server.accept())

    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(stop,))
    thread.start()
    attempt = f"""\
    sockets = builtins.__import__("socket")
    found = []
    for address in [("127.0.0.1", {port}), ("1.1.1.1", 80)]:
        try:
            sockets.create_connection(address, timeout=5)
            found.append("CONNECTED " + str(address))
        except OSError as exc:
            found.append(type(exc).__name__ + " " + str(exc))
    raise RuntimeError(" | ".join(found))
    """
    try:
        reports = reported(failure(escape(attempt), few))
    finally:
        stop.set()
        thread.join()
        server.close()
    assert reports[0].startswith("ConnectionRefusedError")
    assert "Network is unreachable" in reports[1]
    assert accepted == []


def test_the_sandboxed_process_is_an_unprivileged_stranger(needs_sandbox, few):
    attempt = """\
    status = dict(
        line.split(":\\t", 1) for line in builtins.open("/proc/self/status").read().splitlines()
    )
    interfaces = [l.split(":")[0].strip() for l in builtins.open("/proc/net/dev").readlines()[2:]]
    info = {
        "uid": os.getuid(), "euid": os.geteuid(), "groups": os.getgroups(),
        "caps": [status[k] for k in ("CapEff", "CapPrm", "CapInh", "CapAmb")],
        "bounding": status["CapBnd"], "no_new_privs": status["NoNewPrivs"],
        "host": os.uname().nodename, "interfaces": interfaces,
        "env": sorted(os.environ), "root": sorted(os.listdir("/")),
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    }
    raise RuntimeError(modules["json"].dumps(info))
    """
    (text,) = re.findall(r"RuntimeError: (\{.*\})", str(failure(escape(attempt), few)))
    info = json.loads(text)
    assert info["uid"] == info["euid"] != 0
    if os.geteuid() == 0:  # a fresh uid from the block, no capabilities left at all
        first, count = sandbox.SANDBOX_UIDS
        assert first <= info["uid"] < first + count or info["uid"] == sandbox.NOBODY
        assert info["bounding"] == "0000000000000000"
        assert info["groups"] in ([], [info["uid"]])
    else:
        assert info["uid"] == os.geteuid()
    assert info["caps"] == ["0000000000000000"] * 4
    assert info["no_new_privs"] == "1"
    assert info["host"] == "sandbox"
    assert info["interfaces"] == ["lo"]
    assert info["env"] == sorted([*sandbox._ENVIRONMENT, "PWD"])
    expected = {"usr", "bin", "sbin", "lib", "lib64", "etc", "proc", "dev", "tmp", "sandbox"}
    expected |= {p.parts[1] for p in sandbox._python_dirs()}
    assert set(info["root"]) <= expected
    assert max(info["pids"]) < 10  # a PID namespace of its own


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "import ctypes\n",
            "strategy.py:1:1: error: ImportError: import of 'ctypes' is not allowed",
        ),
        (
            "DECLARATION = {'kind': 'strategy'}\ndef script(ctx):\n    open('/etc/passwd')\n",
            "strategy.py:3:5: error: NameError: name 'open' is not defined",
        ),
    ],
)
def test_the_child_gives_the_module_only_the_allowed_names(needs_sandbox, few, code, message):
    error = failure(code, few)
    assert error.reason == "script"
    assert str(error).splitlines()[0] == message


def test_forged_output_is_refused(needs_sandbox, few):
    attempt = """\
    with builtins.open("/sandbox/out/result.json", "w") as stream:
        stream.write('{"declaration": {"kind": "strategy"}, "inputs": [], "logs": "x"}')
    os._exit(0)
    """
    error = failure(escape(attempt), few)
    assert error.reason == "output"
    assert str(error).startswith("the sandbox left an unreadable plots.parquet")


# --------------------------------------------------------------------------- set-up


def test_inputs_must_be_plain_values(needs_sandbox, few, sma_code):
    with pytest.raises(PineOptError, match="inputs must be plain values"):
        sandbox.run_python_strategy(sma_code, few, inputs={"fastLength": object()})


def test_limits_are_positive_numbers():
    with pytest.raises(PineOptError, match="sandbox limit cpu_seconds must be a positive number"):
        Limits(cpu_seconds=0)
    with pytest.raises(PineOptError, match="memory_bytes"):
        Limits(memory_bytes=math.inf)


@pytest.fixture
def fresh_probe(monkeypatch):
    """Probe again in this test; the cached answer comes back afterwards."""
    monkeypatch.setattr(sandbox, "_probe_result", None)


def test_without_bubblewrap_uploads_are_refused_with_how_to_enable_it(fresh_probe, monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name, **_: None)
    assert sandbox.available() is False
    with pytest.raises(SandboxUnavailable) as caught:
        sandbox.run_python_strategy("x = 1\n", None)
    message = str(caught.value)
    assert message.startswith("bubblewrap (bwrap) is not installed.")
    assert "apt-get install bubblewrap" in message
    assert "unprivileged user namespaces" in message


def test_a_bubblewrap_that_cannot_start_is_unavailable(fresh_probe, monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name, **_: "/bin/false")
    with pytest.raises(
        SandboxUnavailable, match=r"cannot create the sandbox here \(exit status 1\)"
    ):
        sandbox.require()
