"""``pineopt check FILE... [--features [--json]]`` and ``pineopt parse FILE [--json]``.

``check`` parses and analyses each script. Diagnostics go to stderr as
``FILE:LINE:COL: error: MESSAGE`` with the source line and a caret. ``--features`` also prints,
per file, the built-ins and language features the script uses (as JSON with ``--json``),
and what PineOpt cannot run yet.
Exit codes: 0 clean (warnings allowed), 1 some file has an error, 2 usage error (no file, a path
that cannot be read).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pineopt.cli import print_json

if TYPE_CHECKING:  # the front end is imported by the commands that use it, not by the parser
    from pineopt.lang import Analysis, FeatureReport, ParseResult


def add_lang_commands(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "check",
        help="check Pine scripts for errors",
        description="Parse and analyse each script and report its errors and warnings on "
        "stderr. Exit 0 when no file has an error, 1 otherwise.",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE", help="a .pine script")
    check.add_argument(
        "--features",
        action="store_true",
        help="also print the built-ins and language features each script uses",
    )
    check.add_argument(
        "--json", action="store_true", help="print the feature report as JSON (implies --features)"
    )
    check.set_defaults(handler=cmd_check)

    show = commands.add_parser(
        "parse",
        help="print a Pine script's syntax tree",
        description="Parse a script and print it back as canonical Pine, or its syntax tree as "
        "JSON with --json.",
    )
    show.add_argument("file", type=Path, metavar="FILE", help="a .pine script")
    show.add_argument("--json", action="store_true", help="print the syntax tree as JSON")
    show.set_defaults(handler=cmd_parse)


def cmd_check(args: argparse.Namespace) -> int:
    from pineopt.lang import analyze, parse

    sources = _read_all(args.files)
    if sources is None:
        return 2
    failed = 0
    reports: dict[str, dict] = {}
    for path, data in sources:
        analysis = analyze(parse(data, str(path)), filename=str(path))
        _report(analysis)
        failed += not analysis.ok
        if (args.features or args.json) and analysis.script is not None:
            from pineopt.compiler.builtins_map import supported_names

            supported = set(supported_names())
            reports[str(path)] = analysis.features.to_dict(supported)
            if not args.json:
                print(_feature_text(str(path), analysis.features, supported))
    if args.json:
        print_json(reports)
        return 1 if failed else 0
    files = len(sources)
    print(f"{files} file{'s' if files > 1 else ''} checked, {failed} with errors")
    return 1 if failed else 0


def _feature_text(path: str, report: FeatureReport, supported: set[str]) -> str:
    """The feature report as lines: ``name xCOUNT`` per entry, by kind, then what PineOpt
    cannot run yet (with the line of its first use)."""
    lines = [f"{path}:"]
    for title, counts in (
        ("built-ins", report.builtins),
        ("features", report.features),
        ("library calls", report.library_calls),
    ):
        if counts:
            items = ", ".join(f"{name} x{count}" for name, count in sorted(counts.items()))
            lines.append(f"  {title}: {items}")
    missing = report.unsupported(supported)
    if missing:
        items = ", ".join(f"{name} (line {span.line})" for name, span in missing)
        lines.append(f"  not supported yet: {items}")
    return "\n".join(lines)


def cmd_parse(args: argparse.Namespace) -> int:
    from pineopt.lang import parse, to_dict, unparse

    sources = _read_all([args.file])
    if sources is None:
        return 2
    path, data = sources[0]
    result = parse(data, str(path))
    _report(result)
    if result.script is None:
        return 1
    if args.json:
        print_json(to_dict(result.script))
    else:
        sys.stdout.write(unparse(result.script))
    return 0


def _read_all(paths: list[Path]) -> list[tuple[Path, bytes]] | None:
    """The bytes of every file, or None (after saying why) when one cannot be read. Reading
    stops one byte past the size limit: enough for the parser to refuse the file."""
    from pineopt.lang.limits import MAX_SOURCE_CHARS

    sources = []
    for path in paths:
        try:
            with path.open("rb") as file:
                sources.append((path, file.read(MAX_SOURCE_CHARS + 1)))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            print(f"pineopt: error: cannot read {path}: {reason}", file=sys.stderr)
            return None
    return sources


def _report(result: ParseResult | Analysis) -> None:
    if result.diagnostics:
        print(result.format_diagnostics(), file=sys.stderr)
