"""Running an uploaded Python strategy in a bubblewrap sandbox.

:func:`run_python_strategy` checks the module (:mod:`pineopt.server.upload_check`), then runs
it in a separate process inside `bubblewrap <https://github.com/containers/bubblewrap>`_
(Debian's ``bubblewrap``) and rebuilds a :class:`~pineopt.runtime.engine.Result` from the files
that process wrote - Parquet and JSON, parsed and validated here; nothing from the sandbox is
ever unpickled or imported.

What the sandbox guarantees, for the code it runs (the upload, whatever it manages to do
inside its own interpreter):

* **no network**: a network namespace of its own with only a loopback device; abstract Unix
  sockets are per namespace, and no host socket file is visible;
* **a filesystem of its own**: an empty root with read-only binds of the system directories
  (``/usr`` and the ``/bin``, ``/lib`` ... links), the Python installation (prefixes of the
  interpreter and its virtual environment), the ``pineopt`` package and the job (module,
  bars, settings); ``/proc`` of its own PID namespace and a minimal ``/dev``. The root and
  ``/dev`` are read-only; what it may write is a private ``/tmp`` (a tmpfs of
  ``Limits.file_bytes``) and the output files, single writable binds inside a read-only
  directory (no new files, links or renames there). ``/root``, ``/home``, ``/sys``, ``/etc``
  (but ``ld.so.cache``), the host's ``/tmp`` and the server's files are absent;
* **no privileges**: as root, the sandbox drops to a fresh unprivileged uid (one of a block
  no account uses, picked per run, so that concurrent runs do not share a process count)
  with an empty capability set, bounding set included; otherwise it runs in a user namespace
  of its own that may not create further ones. ``no_new_privs`` is set either way;
* **its own PID, IPC and UTS namespaces and session** (no signals to host processes, no
  terminal injection); ``--die-with-parent``: it dies with the thread that started it (which
  waits for it), so with the server;
* **limits** (:class:`Limits`), set in the child before anything else runs: CPU time
  (SIGXCPU, then SIGKILL), address space, processes and threads of its uid (as root the uid
  is fresh, so ``RLIMIT_NPROC`` - which never applies to root - holds; in a user namespace
  the count is the namespace's own), file size, open files, no core dumps; the wall-clock
  limit is the server's: it kills the whole tree (the PID namespace dies with its init);
* **an empty environment** but a few fixed variables (``--clearenv``), and an interpreter
  started with ``-I`` (no ``PYTHON*`` variables, no user site, no current directory).

What it does not guarantee:

* the kernel is shared and there is no seccomp filter: the whole system-call interface is
  reachable, so a kernel vulnerability is not contained; the host's kernel version, CPU and
  memory figures are visible (``uname``, ``/proc``);
* memory is limited per process (address space), so a script may use up to
  ``processes x memory_bytes`` before the wall clock stops it, plus the tmpfs;
* CPU time is per process too: forked processes are stopped by the wall clock;
* what it reads is the system's and PineOpt's own files (``/usr``, the Python installation):
  nothing secret should live there;
* its results are its own word: an upload can compute any trades it likes. The server
  validates their shape (columns, types, the bars' times) and their size, not their truth;
* the Parquet files are parsed by pyarrow in the server: a bug in pyarrow's reader is a bug in
  the server.

:func:`available` probes once (cached) that bubblewrap runs a Python in this layout;
:func:`require` raises :class:`SandboxUnavailable` saying how to enable it otherwise.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pineopt.errors import PineOptError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pineopt.lang.diagnostics import Diagnostic
    from pineopt.runtime.engine import Result
    from pineopt.runtime.standalone import Chart

log = logging.getLogger(__name__)

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30

SANDBOX_UIDS = (0x7A000000, 0x10000)
"""First uid and count of the block a root server picks its sandbox users from (no account or
container range uses it; systemd's and the usual subordinate-id ranges are far below)."""

NOBODY = 65534
"""The uid used as root when the block above is not mapped (a root inside a user namespace)."""

INSTALL_HINT = (
    "Uploaded Python strategies run only in a bubblewrap sandbox. Install Debian's bubblewrap "
    "(apt-get install bubblewrap) and let it create namespaces: as root that works as is; as "
    "another user the kernel must allow unprivileged user namespaces "
    "(sysctl kernel.unprivileged_userns_clone=1 on Debian kernels that have it, "
    "user.max_user_namespaces > 0, and on Ubuntu 24.04+ "
    "kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap); "
    "inside a container, run it with a seccomp profile that allows unshare/clone of namespaces."
)

_INSIDE = Path("/sandbox")
_PACKAGE = _INSIDE / "lib"
_CHILD = _PACKAGE / "pineopt" / "server" / "sandbox_child.py"
_OUTPUTS = ("result.json", "plots.parquet", "trades.parquet", "equity.parquet")
_EXIT_OK = 0
_EXIT_REPORTED = 3
_POLL_SECONDS = 0.02
_MESSAGE_LIMIT = 2000
_ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "TZ": "UTC",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


class SandboxUnavailable(PineOptError):
    """bubblewrap is missing or cannot create its namespaces here (the message says how to
    enable it)."""


class SandboxError(PineOptError):
    """An uploaded strategy that failed in the sandbox. ``reason`` says why: ``cpu``,
    ``wall``, ``memory``, ``processes``, ``file_size``, ``open_files`` (a limit), ``script``
    (an exception of the script, located at the upload's line in ``diagnostics``), ``input``
    (a bad input override), ``killed``/``crashed`` (the process died) or ``output`` (what it
    left is unreadable)."""

    def __init__(
        self, message: str, *, reason: str, diagnostics: list[Diagnostic] | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.diagnostics = list(diagnostics or [])


@dataclass(frozen=True)
class Limits:
    """What one sandboxed run may use. ``cpu_seconds``, ``memory_bytes`` (address space),
    ``file_bytes`` (any one file, and the private ``/tmp`` in all) and ``open_files`` apply to
    each process; ``processes`` counts the processes and threads of the sandbox's user;
    ``wall_seconds`` is the whole run, interpreter start included."""

    cpu_seconds: float = 60
    wall_seconds: float = 120
    memory_bytes: int = 2 * GiB
    processes: int = 32
    file_bytes: int = 64 * MiB
    open_files: int = 256

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise PineOptError(f"sandbox limit {name} must be a positive number")


# --------------------------------------------------------------------------- availability


@dataclass(frozen=True)
class _Probe:
    ok: bool
    bwrap: str
    problem: str = ""


_probe_lock = threading.Lock()
_probe_result: _Probe | None = None


def available() -> bool:
    """Whether uploaded Python can run here: bubblewrap starts this Python in the sandbox's
    layout (probed once, then cached)."""
    return _probe().ok


def require() -> None:
    """Raise :class:`SandboxUnavailable` (what failed, and how to enable the sandbox) unless
    :func:`available`."""
    probe = _probe()
    if not probe.ok:
        raise SandboxUnavailable(f"{probe.problem}. {INSTALL_HINT}")


def _probe() -> _Probe:
    global _probe_result
    with _probe_lock:
        if _probe_result is None:
            _probe_result = _run_probe()
        return _probe_result


def _run_probe() -> _Probe:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return _Probe(False, "", "bubblewrap (bwrap) is not installed")
    if os.geteuid() == 0 and _setpriv() is None:
        return _Probe(False, bwrap, "setpriv (util-linux) is missing under /usr")
    command = _command(bwrap, Limits(), uid=_sandbox_uid(), binds=[], code="pass")
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            env={"PATH": os.defpath},
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return _Probe(False, bwrap, f"bubblewrap could not be started ({exc})")
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = said[-1] if said else f"exit status {done.returncode}"
        return _Probe(False, bwrap, f"bubblewrap cannot create the sandbox here ({detail})")
    return _Probe(True, bwrap)


# --------------------------------------------------------------------------- running


def run_python_strategy(
    source: str,
    data: Any,
    *,
    symbol: Any = None,
    timeframe: Any = None,
    inputs: Mapping[str, object] | None = None,
    strategy: Mapping[str, object] | None = None,
    limits: Limits | None = None,
    filename: str = "strategy.py",
) -> Result:
    """Check ``source`` (an uploaded module) and run it over ``data`` in the sandbox.

    ``data``, ``symbol`` and ``timeframe`` are read as :func:`pineopt.run` reads them (a
    contract OHLCV DataFrame or a Dataset, a ticker or SymbolInfo, Pine notation); ``inputs``
    and ``strategy`` override inputs and ``strategy()`` settings (plain JSON values). Returns
    the Result (plots, trades, equity, metrics, declaration, inputs, logs, alerts, and the
    ``source`` and ``chart`` that :meth:`pineopt.Store.record` files it under; drawings stay
    in the sandbox). Raises :class:`SandboxUnavailable`,
    :class:`~pineopt.server.upload_check.UploadRejected` for a module that may not run,
    :class:`SandboxError` when the run fails, and the data layer's errors for bad data.
    """
    from pineopt.server.upload_check import check_python_strategy

    require()
    check_python_strategy(source, filename)
    return _run_in_sandbox(
        source,
        data,
        symbol=symbol,
        timeframe=timeframe,
        inputs=inputs,
        strategy=strategy,
        limits=limits,
        filename=filename,
    )


def _run_in_sandbox(
    source: str,
    data: Any,
    *,
    symbol: Any = None,
    timeframe: Any = None,
    inputs: Mapping[str, object] | None = None,
    strategy: Mapping[str, object] | None = None,
    limits: Limits | None = None,
    filename: str = "strategy.py",
) -> Result:
    """:func:`run_python_strategy` without the static check: the sandbox's walls alone (the
    tests run escapes through here)."""
    from pineopt.runtime.standalone import prepare
    from pineopt.server.upload_check import runtime_policy

    require()
    limits = limits or Limits()
    chart = prepare(data, symbol=symbol, timeframe=timeframe)
    job = {
        "filename": filename,
        "symbol": chart.symbol.to_dict(),
        "timeframe": str(chart.timeframe),
        "inputs": _json_values(inputs, "inputs"),
        "strategy": _json_values(strategy, "strategy settings"),
        "limits": asdict(limits),
        "policy": runtime_policy(),
    }
    uid = _sandbox_uid()
    with tempfile.TemporaryDirectory(prefix="pineopt-sandbox-") as private:
        work = Path(private)
        job_dir, out_dir = work / "job", work / "out"
        job_dir.mkdir(mode=0o755)
        out_dir.mkdir(mode=0o755)
        for path in (job_dir, out_dir):
            path.chmod(0o755)  # whatever the umask
        (job_dir / "strategy.py").write_text(source, encoding="utf-8")
        (job_dir / "job.json").write_text(json.dumps(job), encoding="utf-8")
        chart.frame.to_parquet(job_dir / "bars.parquet")
        for name in ("strategy.py", "job.json", "bars.parquet"):
            (job_dir / name).chmod(0o644)
        for name in _OUTPUTS:
            path = out_dir / name
            path.touch(mode=0o600)
            if os.geteuid() == 0:
                os.chown(path, uid, uid)
        binds = ["--ro-bind", str(job_dir), str(_INSIDE / "job")]
        binds += ["--ro-bind", str(out_dir), str(_INSIDE / "out")]
        for name in _OUTPUTS:
            binds += ["--bind", str(out_dir / name), str(_INSIDE / "out" / name)]
        command = _command(_probe().bwrap, limits, uid=uid, binds=binds, code=_child_code())
        status, cpu, timed_out, stderr = _execute(command, limits, work / "stderr")
        return _outcome(status, cpu, timed_out, stderr, out_dir, chart, limits, source, filename)


def _json_values(values: Mapping[str, object] | None, what: str) -> dict | None:
    if values is None:
        return None
    try:
        return json.loads(json.dumps(dict(values), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise PineOptError(
            f"{what} must be plain values (text, numbers, booleans): {exc}"
        ) from None


def _child_code() -> str:
    """The ``-c`` program: the package on the path, then the child module run by path."""
    return (
        f"import sys, runpy; sys.path.insert(0, {str(_PACKAGE)!r}); "
        f"runpy.run_path({str(_CHILD)!r}, run_name='__main__')"
    )


def _execute(command: list[str], limits: Limits, stderr_path: Path) -> tuple[int, float, bool, str]:
    """Run bwrap; kill the whole tree at the wall-clock limit. Returns the exit status
    (``-SIGNAL`` for a signal), the CPU seconds of the tree, whether it timed out and the end of
    its stderr (for the log and bwrap's own complaints).

    The tree is bwrap, then the PID namespace's init (bwrap again, in a session of its own)
    and what it runs. Killing the init kills the namespace, and the kernel lets the init exit
    only once every process in it has; so the init (whose PID bwrap reports on ``--info-fd``)
    is killed first and waited for, then bwrap's own process group."""
    info, info_write = os.pipe()
    command = [command[0], "--info-fd", str(info_write), *command[1:]]
    try:
        with open(stderr_path, "wb") as stderr:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env={"PATH": os.defpath},
                start_new_session=True,
                pass_fds=(info_write,),
            )
    finally:
        os.close(info_write)
    try:
        return _wait(process, limits, stderr_path, info)
    finally:
        os.close(info)


def _wait(
    process: subprocess.Popen, limits: Limits, stderr_path: Path, info: int
) -> tuple[int, float, bool, str]:
    """:func:`_execute` once bwrap runs: wait for it, or kill the tree at the limit."""
    deadline = time.monotonic() + limits.wall_seconds
    timed_out = False
    reaped = 0
    try:
        while True:
            reaped, status, usage = os.wait4(process.pid, os.WNOHANG)
            if reaped:
                break
            if time.monotonic() >= deadline:
                timed_out = True
                break
            time.sleep(_POLL_SECONDS)
    finally:
        if not reaped:  # the wall clock, or this thread interrupted: the whole tree goes
            init = _namespace_init(info)
            if init is not None:
                with contextlib.suppress(ProcessLookupError):  # gone by itself meanwhile
                    os.kill(init, signal.SIGKILL)
            os.killpg(process.pid, signal.SIGKILL)
            _, status, usage = os.wait4(process.pid, 0)
            if init is not None:
                _wait_exited(init)
    process.returncode = os.waitstatus_to_exitcode(status)
    with open(stderr_path, "rb") as stream:
        stream.seek(max(0, os.fstat(stream.fileno()).st_size - 4 * KiB))
        tail = stream.read().decode("utf-8", "replace")
    return process.returncode, usage.ru_utime + usage.ru_stime, timed_out, tail


def _namespace_init(info: int) -> int | None:
    """The PID of the sandbox's PID-namespace init, from what bwrap wrote on ``--info-fd``
    (``{"child-pid": N}``, as soon as it started it); None if it wrote nothing (it failed
    before)."""
    os.set_blocking(info, False)
    data = b""
    try:
        while chunk := os.read(info, 4096):
            data += chunk
    except BlockingIOError:
        pass
    try:
        return int(json.loads(data)["child-pid"])
    except (ValueError, KeyError, TypeError):
        return None


def _wait_exited(pid: int, timeout: float = 10.0) -> None:
    """Wait until ``pid`` has exited (gone, or a zombie: it is no longer ours to reap)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(_POLL_SECONDS)
    log.warning("the sandbox's process %d outlived its kill by %g s", pid, timeout)


# --------------------------------------------------------------------------- the command


def _command(bwrap: str, limits: Limits, *, uid: int, binds: list[str], code: str) -> list[str]:
    """The bwrap command line (see the module docstring for what each part is for)."""
    command = [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    command += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    root = os.geteuid() == 0
    if not root:
        command += ["--unshare-user", "--disable-userns"]
    command += ["--die-with-parent", "--new-session", "--clearenv"]
    for name, value in _ENVIRONMENT.items():
        command += ["--setenv", name, value]
    command += ["--perms", "1777", "--size", str(limits.file_bytes), "--tmpfs", "/tmp"]
    command += _filesystem()
    command += binds
    command += ["--remount-ro", "/", "--remount-ro", "/dev", "--chdir", "/tmp"]
    python = [sys.executable, "-I", "-B", "-c", code]
    if not root:
        return [*command, "--", *python]
    command += ["--cap-drop", "ALL"]
    for capability in ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"):
        command += ["--cap-add", capability]
    drop = [str(_setpriv()), f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    drop += ["--inh-caps=-all", "--bounding-set=-all", "--"]
    return [*command, "--", *drop, *python]


def _filesystem() -> list[str]:
    """System directories, the Python installation and the package, read-only (over the
    private /tmp, should Python live there); /proc and /dev. Parent directories of the binds
    are made 0755 (bwrap makes them 0700, which the unprivileged user could not cross); the
    command then makes the root and /dev read-only (in a user namespace they belong to the
    sandbox's user, and their tmpfs has no size)."""
    args: list[str] = []
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/", top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    args += ["--perms", "0755", "--dir", "/etc"]
    args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    made: set[Path] = {Path("/"), Path("/etc"), Path("/tmp")}
    binds = [(p, p) for p in _python_dirs()] + [(_package_dir(), _PACKAGE / "pineopt")]
    for source, target in binds:
        for parent in reversed(target.parents):
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", str(source), str(target)]
    args += ["--proc", "/proc", "--dev", "/dev"]
    return args


def _python_dirs() -> list[Path]:
    """The interpreter's prefixes (virtual environment and base installation) and site
    directories, outside the system directories already bound, without nesting."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    candidates |= {p for p in sys.path if p.endswith("-packages")}
    dirs = sorted(Path(os.path.abspath(p)) for p in candidates if os.path.isdir(p))
    kept: list[Path] = []
    for path in dirs:
        if path.parts[1:2] and path.parts[1] in ("usr", "bin", "lib", "lib64", "sbin"):
            continue
        if any(path.is_relative_to(k) for k in kept):
            continue
        kept.append(path)
    return kept


def _package_dir() -> Path:
    import pineopt

    return Path(pineopt.__file__).resolve().parent


def _setpriv() -> Path | None:
    found = shutil.which("setpriv", path="/usr/bin:/usr/sbin:/bin:/sbin")
    return Path(found).resolve() if found and Path(found).resolve().is_relative_to("/usr") else None


def _sandbox_uid() -> int:
    """As root: a fresh uid from :data:`SANDBOX_UIDS` when this user namespace maps that block
    (the host's does), else :data:`NOBODY`. Otherwise the caller's own uid."""
    if os.geteuid() != 0:
        return os.geteuid()
    first, count = SANDBOX_UIDS
    try:
        ranges = [
            tuple(int(x) for x in line.split())
            for line in Path("/proc/self/uid_map").read_text().splitlines()
        ]
    except (OSError, ValueError):
        ranges = []
    if any(inner <= first and first + count <= inner + size for inner, _outer, size in ranges):
        return first + secrets.randbelow(count)
    return NOBODY


# --------------------------------------------------------------------------- results


def _outcome(
    status: int,
    cpu: float,
    timed_out: bool,
    stderr: str,
    out_dir: Path,
    chart: Chart,
    limits: Limits,
    source: str,
    filename: str,
) -> Result:
    """The Result, or the SandboxError that explains the exit."""
    if stderr.strip():
        log.debug("sandbox stderr (exit %s):\n%s", status, stderr)
    if timed_out:
        raise SandboxError(_limit_message("wall", limits), reason="wall")
    signal_number = -status if status < 0 else status - 128 if status > 128 else 0
    if signal_number == signal.SIGXCPU or (
        signal_number == signal.SIGKILL and cpu >= limits.cpu_seconds
    ):
        raise SandboxError(_limit_message("cpu", limits), reason="cpu")
    if signal_number == signal.SIGXFSZ:
        raise SandboxError(_limit_message("file_size", limits), reason="file_size")
    if signal_number == signal.SIGKILL:
        raise SandboxError(
            "the strategy's process was killed (most likely it ran out of memory)",
            reason="killed",
        )
    if signal_number:
        raise SandboxError(
            f"the strategy's process crashed ({signal.Signals(signal_number).name})"
            if signal_number in signal.valid_signals()
            else f"the strategy's process ended with status {status}",
            reason="crashed",
        )
    if status == _EXIT_REPORTED:
        raise _reported_error(_read_json(out_dir, limits), chart, limits, source, filename)
    if status != _EXIT_OK:
        said = [line for line in stderr.splitlines() if line.startswith("bwrap:")]
        detail = f": {said[-1]}" if said else f" (exit status {status})"
        raise SandboxError(f"the sandbox failed{detail}", reason="crashed")
    return _result(out_dir, chart, limits, source)


def _limit_message(reason: str, limits: Limits) -> str:
    return {
        "cpu": f"the strategy exceeded its CPU time limit of {limits.cpu_seconds:g} s",
        "wall": f"the strategy exceeded its wall-clock limit of {limits.wall_seconds:g} s "
        "and was stopped",
        "memory": f"the strategy exceeded its memory limit of {_size(limits.memory_bytes)}",
        "processes": f"the strategy exceeded its limit of {limits.processes} processes and threads",
        "file_size": f"the strategy exceeded its file size limit of {_size(limits.file_bytes)}",
        "open_files": f"the strategy exceeded its limit of {limits.open_files} open files",
    }[reason]


def _size(count: float) -> str:
    for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if count >= size:
            return f"{count / size:g} {unit}"
    return f"{count:g} bytes"


def _reported_error(
    document: Any, chart: Chart, limits: Limits, source: str, filename: str
) -> SandboxError:
    """The child's account of a failure, checked field by field; limit wordings are ours."""
    from pineopt.lang.diagnostics import error, split_lines
    from pineopt.lang.nodes import Span

    report = document.get("error") if isinstance(document, dict) else None
    if not isinstance(report, dict):
        return SandboxError("the sandbox returned an unreadable error report", reason="output")
    reason = report.get("reason")
    message = report.get("message")
    if reason in ("memory", "processes", "file_size", "open_files"):
        message = _limit_message(reason, limits)
    elif reason not in ("script", "input") or not isinstance(message, str):
        return SandboxError("the sandbox returned an unreadable error report", reason="output")
    message = message[:_MESSAGE_LIMIT]
    bar = report.get("bar")
    if _is_int(bar) and 0 <= bar < len(chart.frame):
        message += f" (bar {bar}, {chart.frame.index[bar].isoformat()})"
    lines = split_lines(source)
    line, column, end = (report.get(k) for k in ("line", "column", "end_column"))
    if not (_is_int(line) and 0 < line <= len(lines) and _is_int(column) and _is_int(end)):
        return SandboxError(f"{filename}: error: {message}", reason=reason)
    text = lines[line - 1]
    encoded = text.encode("utf-8")
    start = len(encoded[: max(column - 1, 0)].decode("utf-8", "replace")) + 1
    stop = len(encoded[: max(end - 1, 0)].decode("utf-8", "replace")) + 1
    diagnostic = error(message, Span(line, start, line, max(stop, start + 1)), filename)
    return SandboxError(diagnostic.format(text), reason=reason, diagnostics=[diagnostic])


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _read(out_dir: Path, name: str, limits: Limits) -> bytes:
    """One output file: a regular file (never a link or a FIFO) no larger than the limit."""
    try:
        fd = os.open(out_dir / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise SandboxError(
            f"the sandbox left no readable {name} ({exc.strerror})", reason="output"
        ) from None
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limits.file_bytes:
            raise SandboxError(f"the sandbox left an unusable {name}", reason="output")
        return stream.read(limits.file_bytes + 1)


def _read_json(out_dir: Path, limits: Limits) -> Any:
    try:
        return json.loads(_read(out_dir, "result.json", limits))
    except (ValueError, RecursionError):
        raise SandboxError("the sandbox left an unreadable result.json", reason="output") from None


def _read_frame(out_dir: Path, name: str, limits: Limits) -> pd.DataFrame:
    """A Parquet file as plain columns: its pandas metadata (index, dtypes) is dropped, the
    column types come from the Arrow schema alone."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = _read(out_dir, name, limits)
    try:
        table = pq.read_table(pa.BufferReader(data))
        return table.replace_schema_metadata(None).to_pandas()
    except (pa.ArrowException, ValueError, TypeError, OSError) as exc:
        raise SandboxError(
            f"the sandbox left an unreadable {name} ({exc})", reason="output"
        ) from None


def _result(out_dir: Path, chart: Chart, limits: Limits, source: str) -> Result:
    """Rebuild the Result from the output files, checking each against what it must be; it
    keeps the module's ``source`` and the ``chart``, as :func:`pineopt.run`'s does."""
    import pandas as pd

    from pineopt.runtime.engine import Log, Result
    from pineopt.runtime.inputs import InputSpec
    from pineopt.runtime.outputs import Alert

    document = _read_json(out_dir, limits)
    index = chart.frame.index
    try:
        plots = _bar_frame(_read_frame(out_dir, "plots.parquet", limits), index, "plots")
        declaration = _mapping(document["declaration"])
        inputs = [InputSpec(**_input(spec)) for spec in document["inputs"]]
        logs = [
            Log(bar, index[bar] if 0 <= bar < len(index) else pd.NaT, str(level), str(text))
            for bar, level, text in document["logs"]
            if _is_int(bar)
        ]
        alerts = [
            Alert(int(bar), int(stamp), None if text is None else str(text), str(freq))
            for bar, stamp, text, freq in document["alerts"]
        ]
        seconds = float(document["seconds"])
        metrics = document["metrics"]
        strategy = declaration.get("kind") == "strategy"
        trades = equity = None
        if strategy:
            trades = _trades(_read_frame(out_dir, "trades.parquet", limits))
            equity = _bar_frame(_read_frame(out_dir, "equity.parquet", limits), index, "equity")
            metrics = _metrics(metrics)
        elif metrics is not None:
            raise ValueError("metrics without a strategy")
    except (KeyError, TypeError, ValueError, IndexError, OverflowError) as exc:
        raise SandboxError(
            f"the sandbox returned an unusable result ({exc})", reason="output"
        ) from None
    return Result(
        plots=plots,
        logs=logs,
        alerts=alerts,
        inputs=inputs,
        declaration=declaration,
        seconds=seconds,
        trades=trades,
        equity=equity,
        metrics=metrics,
        source=source,
        chart=chart,
    )


def _mapping(value: Any) -> dict:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return value


_INPUT_KEYS = (
    "kind",
    "name",
    "title",
    "default",
    "value",
    "options",
    "minval",
    "maxval",
    "step",
    "extra",
)


def _input(spec: Any) -> dict[str, Any]:
    values = _mapping(spec)
    if set(values) != set(_INPUT_KEYS):
        raise ValueError("an input with unexpected fields")
    if isinstance(values["options"], list):
        values["options"] = tuple(values["options"])
    values["extra"] = _mapping(values["extra"])
    return values


def _bar_frame(frame: pd.DataFrame, index: pd.DatetimeIndex, what: str) -> pd.DataFrame:
    """One float column per series, one row per bar: given the bars' times (Parquet keeps no
    row count without columns)."""
    if not len(frame.columns):
        frame = frame.reindex(range(len(index)))
    if len(frame) != len(index):
        raise ValueError(f"{what} has {len(frame)} rows for {len(index)} bars")
    if not all(isinstance(c, str) for c in frame.columns):
        raise ValueError(f"{what} has columns that are not named by text")
    frame = frame.astype("float64")
    frame.index = index
    return frame


def _trades(frame: pd.DataFrame) -> pd.DataFrame:
    """The trades' columns, in order and with their types."""
    import pandas as pd

    from pineopt.strategy.trades import TRADE_COLUMNS

    if list(frame.columns) != list(TRADE_COLUMNS):
        raise ValueError("trades with other columns than the Result's")
    types = pd.api.types
    checks = {
        "i": types.is_integer_dtype,
        "f": types.is_float_dtype,
        "b": types.is_bool_dtype,
        "s": types.is_string_dtype,
        "t": types.is_datetime64_any_dtype,
    }
    for column in TRADE_COLUMNS if len(frame) else ():  # no trades: untyped empty columns
        values = frame[column]
        if not checks[_TRADE_KINDS[column]](values.dtype):
            raise ValueError(f"trades column {column} has the type {values.dtype}")
        if _TRADE_KINDS[column] == "t" and values.dt.tz is None:
            if values.notna().any():  # times without a zone (only NaT is, no exit yet)
                raise ValueError(f"trades column {column} has times without a timezone")
            frame[column] = values.dt.tz_localize("UTC")
        elif _TRADE_KINDS[column] == "t" and str(values.dt.tz) != "UTC":
            raise ValueError(f"trades column {column} is not in UTC")
    return frame


_TRADE_KINDS = {
    "trade": "i",
    "direction": "s",
    "entry_time": "t",
    "entry_price": "f",
    "entry_signal": "s",
    "entry_bar": "i",
    "exit_time": "t",
    "exit_price": "f",
    "exit_signal": "s",
    "exit_bar": "i",
    "qty": "f",
    "profit": "f",
    "profit_pct": "f",
    "cum_profit": "f",
    "mfe": "f",
    "mae": "f",
    "bars": "i",
    "commission": "f",
    "is_open": "b",
}
"""The type of each trade column: int, str, float, time (UTC) or bool."""


def _metrics(value: Any) -> dict[str, dict[str, float | int]]:
    from pineopt.strategy.metrics import METRIC_KEYS, SECTIONS

    sections = _mapping(value)
    if set(sections) != set(SECTIONS):
        raise ValueError("metrics with other sections than all, long and short")
    for section in sections.values():
        numbers = _mapping(section)
        if set(numbers) != set(METRIC_KEYS):
            raise ValueError("metrics with other keys than the Performance Summary's")
        for number in numbers.values():
            if not (_is_int(number) or isinstance(number, float)):
                raise ValueError("metrics that are not numbers")
    return {side: dict(sections[side]) for side in SECTIONS}
