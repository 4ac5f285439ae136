"""The ``pineopt`` command: a thin shell over the public API.

Exit codes follow the CLI contract: 0 success, 1 a data or script error (one clear line on
stderr, never a traceback), 2 a usage error (argparse's message).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pineopt import __version__
from pineopt.errors import PineOptError


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args) or 0
    except PineOptError as exc:
        print(f"pineopt: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pineopt: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head & co.
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pineopt", description="Run TradingView Pine Script outside TradingView."
    )
    parser.add_argument("--version", action="version", version=f"pineopt {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    from pineopt.cli.conformance import add_conformance_commands
    from pineopt.cli.data import add_data_commands
    from pineopt.cli.lang import add_lang_commands
    from pineopt.cli.report import add_report_commands
    from pineopt.cli.run import add_run_commands
    from pineopt.cli.serve import add_serve_commands
    from pineopt.cli.store import add_store_commands
    from pineopt.cli.strategy import add_strategy_commands
    from pineopt.cli.sweep import add_sweep_commands

    add_conformance_commands(commands)
    add_data_commands(commands)
    add_lang_commands(commands)
    add_report_commands(commands)
    add_run_commands(commands)
    add_serve_commands(commands)
    add_store_commands(commands)
    add_strategy_commands(commands)
    add_sweep_commands(commands)
    return parser


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (a usage error otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def worker_count(text: str) -> int:
    """argparse type of ``--workers``: a whole number of at least 0 (a usage error otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def existing_path(text: str) -> Path:
    """argparse type: a path that exists (a usage error otherwise)."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return path


def data_argument(text: str) -> str:
    """argparse type: a ``--data`` argument, a path or a name (see
    :mod:`pineopt.data.resolver`); a path that does not exist is a usage error, a name is
    looked up when the command runs."""
    from pineopt.data.resolver import looks_like_path

    if looks_like_path(text) and not Path(text).expanduser().exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return text


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
