"""Pine's ``str`` namespace (scalar path).

``na`` representation: a string ``na`` is ``None``; int and float results use NaN (the
numeric ``na`` of :mod:`pineopt.runtime`, so ``str.pos(s, x) + 1`` is ``na``); bool results
are never ``na`` (v6) and are ``False`` when an argument is ``na``. Functions returning a
string return ``None`` when a string argument is ``na``; :func:`tostring` of a numeric ``na``
is ``"NaN"``.

Number formatting follows the Java ``DecimalFormat`` / ``MessageFormat`` conventions that
Pine's pattern syntax comes from: ``#`` optional digit, ``0`` required digit, ``,`` grouping,
``%`` multiplies by 100; rounding is half-even on the exact binary value. Two deliberate
departures, both unverified against TradingView: the integer part always shows at least one
digit (``0.5`` with ``"#.##"`` is ``"0.5"``, not Java's ``".5"``) and a value that rounds to zero
carries no minus sign.

``format.*`` constants are the internal tokens :data:`FORMAT_INHERIT`, :data:`FORMAT_MINTICK`,
:data:`FORMAT_PERCENT`, :data:`FORMAT_PRICE`, :data:`FORMAT_VOLUME`.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import ROUND_HALF_EVEN, Decimal

from pineopt.errors import PineRuntimeError
from pineopt.runtime import NA, whole
from pineopt.runtime.calendar import parse_timezone

__all__ = [
    "FORMAT_INHERIT",
    "FORMAT_MINTICK",
    "FORMAT_PERCENT",
    "FORMAT_PRICE",
    "FORMAT_VOLUME",
    "contains",
    "endswith",
    "format_",
    "format_number",
    "format_time",
    "length",
    "lower",
    "match",
    "pos",
    "repeat",
    "replace",
    "replace_all",
    "split",
    "startswith",
    "substring",
    "tonumber",
    "tostring",
    "trim",
    "upper",
]

FORMAT_INHERIT = "format.inherit"
FORMAT_MINTICK = "format.mintick"
FORMAT_PERCENT = "format.percent"
FORMAT_PRICE = "format.price"
FORMAT_VOLUME = "format.volume"

#: Pattern of ``str.tostring(float)`` without a format. TradingView prints up to 8 fractional
#: digits here to our knowledge (uncertain: more digits have not been checked).
DEFAULT_FLOAT_PATTERN = "#.########"
#: MessageFormat's default for numbers (``{0}`` / ``{0,number}``).
MESSAGE_NUMBER_PATTERN = "#,##0.###"
#: ``{0,number,currency}``: the manual's "Formatting strings" gives ``'$'#,###.00``
#: (``1340000`` -> ``$1,340,000.00``; the Reference's ``str.format`` examples).
CURRENCY_PATTERN = "'$'#,##0.00"


def _na(x: object) -> bool:
    return x is None or (isinstance(x, float) and x != x)


def _is_num(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


# --- simple functions -----------------------------------------------------------------------


def contains(source: str | None, str_: str | None) -> bool:
    return not _na(source) and not _na(str_) and str_ in source  # type: ignore[operator]


def startswith(source: str | None, str_: str | None) -> bool:
    return not _na(source) and not _na(str_) and source.startswith(str_)  # type: ignore[union-attr,arg-type]


def endswith(source: str | None, str_: str | None) -> bool:
    return not _na(source) and not _na(str_) and source.endswith(str_)  # type: ignore[union-attr,arg-type]


def length(string: str | None) -> int | float:
    return NA if _na(string) else len(string)  # type: ignore[arg-type]


def lower(source: str | None) -> str | None:
    return None if _na(source) else source.lower()  # type: ignore[union-attr]


def upper(source: str | None) -> str | None:
    return None if _na(source) else source.upper()  # type: ignore[union-attr]


def trim(source: str | None) -> str | None:
    """Strip leading/trailing whitespace (ASCII control characters and spaces)."""
    return None if _na(source) else source.strip()  # type: ignore[union-attr]


def pos(source: str | None, str_: str | None) -> int | float:
    """Index of the first occurrence of ``str_`` in ``source``, or ``na`` if absent."""
    if _na(source) or _na(str_):
        return NA
    i = source.find(str_)  # type: ignore[union-attr,arg-type]
    return NA if i < 0 else i


def match(source: str | None, regex: str | None) -> str | None:
    """First substring of ``source`` that matches ``regex``; ``""`` when there is none."""
    if _na(source) or _na(regex):
        return None
    try:
        m = re.search(regex, source)  # type: ignore[arg-type]
    except re.error as exc:
        raise PineRuntimeError(f"str.match: invalid regex {regex!r}: {exc}") from None
    return m.group(0) if m else ""


def repeat(source: str | None, repeat: int | None, separator: str | None = "") -> str | None:
    if _na(source) or _na(repeat):
        return None
    repeat = whole(repeat)  # type: ignore[arg-type]
    if repeat < 0:  # type: ignore[operator]
        raise PineRuntimeError(f"str.repeat: repeat must be >= 0, got {repeat}")
    return ("" if _na(separator) else separator).join([source] * repeat)  # type: ignore[list-item,operator,union-attr]


def replace(
    source: str | None, target: str | None, replacement: str | None, occurrence: int | None = 0
) -> str | None:
    """Replace the ``occurrence``-th (0-based, non-overlapping) match of ``target``."""
    if _na(source) or _na(target) or _na(replacement) or _na(occurrence):
        return source
    if occurrence < 0:  # type: ignore[operator]
        raise PineRuntimeError(f"str.replace: occurrence must be >= 0, got {occurrence}")
    if target == "":
        return source
    start = -1
    i = 0
    for _ in range(occurrence + 1):  # type: ignore[operator]
        start = source.find(target, i)  # type: ignore[union-attr,arg-type]
        if start < 0:
            return source
        i = start + len(target)  # type: ignore[arg-type]
    return source[:start] + replacement + source[start + len(target) :]  # type: ignore[index,operator,arg-type]


def replace_all(source: str | None, target: str | None, replacement: str | None) -> str | None:
    if _na(source) or _na(target) or _na(replacement) or target == "":
        return source
    return source.replace(target, replacement)  # type: ignore[union-attr,arg-type]


def split(string: str | None, separator: str | None) -> list[str]:
    """``str.split``: empty parts are kept; an empty separator splits into characters."""
    if _na(string):
        return []
    if _na(separator) or separator == "":
        return list(string)  # type: ignore[arg-type]
    return string.split(separator)  # type: ignore[union-attr]


def substring(source: str | None, begin_pos: int | None, end_pos: int | None = None) -> str | None:
    """``source[begin_pos:end_pos]``; an out-of-range position is a runtime error."""
    if _na(source) or _na(begin_pos):
        return None
    n = len(source)  # type: ignore[arg-type]
    begin_pos = whole(begin_pos)  # type: ignore[arg-type]
    end = n if _na(end_pos) else whole(end_pos)  # type: ignore[arg-type]
    if not 0 <= begin_pos <= n or not begin_pos <= end <= n:  # type: ignore[operator]
        raise PineRuntimeError(
            f"str.substring: positions {begin_pos}..{end} are out of range for a string of "
            f"length {n}"
        )
    return source[begin_pos:end]  # type: ignore[index]


_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def tonumber(string: str | None) -> float:
    """Decimal number in ``string`` (surrounding whitespace allowed); ``na`` (NaN) otherwise."""
    if _na(string):
        return float("nan")
    s = string.strip()  # type: ignore[union-attr]
    if not _NUMBER_RE.fullmatch(s):
        return float("nan")
    return float(s)


# --- DecimalFormat subset -------------------------------------------------------------------


def _quoted(text: str, i: int, error: str) -> tuple[str, int]:
    """Java-style quoting at ``text[i] == "'"``: the literal up to the closing quote (``''`` is
    one quote) and the index after it; ``error`` is raised when the quote is never closed."""
    j = text.find("'", i + 1)
    if j < 0:
        raise PineRuntimeError(error)
    return (text[i + 1 : j] if j > i + 1 else "'"), j + 1


def _read_affix(pattern: str, i: int, stop: str) -> tuple[str, int, bool]:
    """Literal text from ``i`` until a char in ``stop``; returns (text, end, has_percent)."""
    out: list[str] = []
    pct = False
    while i < len(pattern) and pattern[i] not in stop:
        c = pattern[i]
        if c == "'":
            literal, i = _quoted(pattern, i, f"Unterminated quote in number format {pattern!r}")
            out.append(literal)
            continue
        if c == "%":
            pct = True
        elif c in "E;\u2030\u00a4":
            raise PineRuntimeError(f"Unsupported number format {pattern!r}: {c!r} is not supported")
        out.append(c)
        i += 1
    return "".join(out), i, pct


def format_number(value: float | int, pattern: str) -> str:
    """Format ``value`` with a ``DecimalFormat``-style ``pattern`` (e.g. ``"#,##0.00"``). A
    negative number takes its minus sign before the prefix, as Java's implicit negative
    pattern does (``"'$'0.00"`` gives ``-$1.50``)."""
    if _na(value):
        return "NaN"
    prefix, i, pct1 = _read_affix(pattern, 0, "#0,.")
    j = i
    while j < len(pattern) and pattern[j] in "#0,.":
        j += 1
    body = pattern[i:j]
    suffix, end, pct2 = _read_affix(pattern, j, "")
    if end != len(pattern) or not body or body.count(".") > 1:
        raise PineRuntimeError(f"Unsupported number format {pattern!r}")
    int_part, _, frac_part = body.partition(".")
    if not re.fullmatch(r"[#,]*[0,]*", int_part) or not re.fullmatch(r"0*#*", frac_part):
        raise PineRuntimeError(f"Unsupported number format {pattern!r}")
    min_int = int_part.count("0")
    group = len(int_part) - int_part.rfind(",") - 1 if "," in int_part else 0
    min_frac = frac_part.count("0")
    max_frac = len(frac_part)

    v = float(value)
    if v in (float("inf"), float("-inf")):
        return prefix + ("-" if v < 0 else "") + "\u221e" + suffix
    d = Decimal(value) if isinstance(value, int) else Decimal(v)
    if pct1 or pct2:
        d *= 100
    d = d.quantize(Decimal(1).scaleb(-max_frac), rounding=ROUND_HALF_EVEN)
    negative = d < 0 and d != 0
    digits = f"{abs(d):f}"
    ip, _, fp = digits.partition(".")
    fp = fp.rstrip("0")
    if len(fp) < min_frac:
        fp += "0" * (min_frac - len(fp))
    ip = ip.lstrip("0")
    ip = ip.rjust(max(min_int, 1), "0")
    if group:
        parts = []
        while len(ip) > group:
            parts.append(ip[-group:])
            ip = ip[:-group]
        parts.append(ip)
        ip = ",".join(reversed(parts))
    text = ip + ("." + fp if fp else "")
    return ("-" if negative else "") + prefix + text + suffix


def _decimals(step: float) -> int:
    """Number of fractional digits of a tick size such as ``0.01`` or ``0.25``."""
    s = f"{Decimal(repr(float(step))).normalize():f}"
    return len(s.partition(".")[2])


def tostring(value: object, format: str | None = None, *, mintick: float | None = None) -> str:
    """``str.tostring``: strings as is, bools ``true``/``false``, ints in decimal, floats
    without trailing zeros (``1.0`` → ``"1"``), numeric ``na`` → ``"NaN"``.

    ``format`` is a ``DecimalFormat`` pattern or a ``FORMAT_*`` token; ``format.mintick`` /
    ``format.price`` need ``mintick`` (the runtime passes ``syminfo.mintick``) and print exactly
    that many decimals. ``format.volume`` abbreviates with K/M/B/T and 3 decimals at most;
    ``format.percent`` prints two decimals and ``%`` without scaling (uncertain).
    Arrays (Python lists) print as ``[a, b]``, matrices one such row per line, their elements
    in ``format`` (TradingView's Reference: ``str.tostring(value, format)`` takes arrays and
    matrices of ints or floats).
    """
    if isinstance(value, list):
        return "[" + ", ".join(tostring(v, format, mintick=mintick) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if value is None and format is None:
        return "NaN"
    if value is not None and not _is_num(value):
        from pineopt.runtime.pine_matrix import PineMatrix  # it imports this module

        if isinstance(value, PineMatrix):
            return "\n".join(tostring(row, format, mintick=mintick) for row in value.data)
        # Enum members and other objects: their own string form (e.g. an enum title).
        return str(value)
    if _na(value):
        return "NaN"
    num: float | int = value  # type: ignore[assignment]
    if format is None or format == FORMAT_INHERIT:
        if isinstance(num, int):
            return str(num)
        return format_number(num, DEFAULT_FLOAT_PATTERN)
    if format in (FORMAT_MINTICK, FORMAT_PRICE):
        if mintick is None or _na(mintick) or mintick <= 0:
            raise PineRuntimeError(f"str.tostring: {format} needs a positive syminfo.mintick")
        n = _decimals(mintick)
        return format_number(num, "0." + "0" * n if n else "0")
    if format == FORMAT_PERCENT:
        return format_number(num, "0.00") + "%"
    if format == FORMAT_VOLUME:
        a = abs(float(num))
        for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
            if a >= limit:
                return format_number(float(num) / limit, "#.###") + suffix
        return format_number(num, "#.###")
    return format_number(num, format)


# --- str.format (MessageFormat subset) ------------------------------------------------------


def _format_arg(arg: object, spec: list[str], pattern: str) -> str:
    kind = spec[1].strip().lower() if len(spec) > 1 else ""
    style = spec[2] if len(spec) > 2 else ""
    if kind == "":
        if _is_num(arg) or arg is None:
            return format_number(arg, MESSAGE_NUMBER_PATTERN)  # type: ignore[arg-type]
        return tostring(arg)
    if kind == "number":
        if not (_is_num(arg) or arg is None):
            raise PineRuntimeError(f"str.format: {{{','.join(spec)}}} needs a number, got {arg!r}")
        s = style.strip()
        if s == "":
            return format_number(arg, MESSAGE_NUMBER_PATTERN)  # type: ignore[arg-type]
        if s == "integer":
            return format_number(arg, "#,##0")  # type: ignore[arg-type]
        if s == "percent":
            return format_number(arg, "#,##0%")  # type: ignore[arg-type]
        if s == "currency":
            return format_number(arg, CURRENCY_PATTERN)  # type: ignore[arg-type]
        # spaces around a pattern are not part of it: the Reference's `{0, number, #.#}` of
        # 1.34 is "1.3" (Java would keep the leading space as a prefix)
        return format_number(arg, s)  # type: ignore[arg-type]
    if kind in ("date", "time"):
        s = style.strip()
        if s in ("", "short", "medium", "long", "full"):
            raise PineRuntimeError(
                f"str.format: unsupported format '{{{','.join(spec)}}}' in {pattern!r}; "
                "use an explicit pattern such as {0,date,yyyy-MM-dd}"
            )
        if arg is None or not _is_num(arg):
            return "NaN" if _na(arg) else tostring(arg)
        return format_time(int(arg), style, "UTC") or ""  # type: ignore[call-overload]
    raise PineRuntimeError(f"str.format: unsupported format '{{{','.join(spec)}}}' in {pattern!r}")


def format_(formatString: str | None, *args: object) -> str | None:
    """``str.format``: ``MessageFormat`` placeholders ``{i}``, ``{i,number[,integer|percent|
    currency|<pattern>]}``, ``{i,date,<pattern>}`` / ``{i,time,<pattern>}`` (UTC; uncertain).

    A single quote starts quoted literal text and ``''`` is a literal quote, as in
    ``MessageFormat`` (so ``"it's {0}"`` loses its apostrophe, like on TradingView). A
    placeholder whose index has no argument is kept as is. Unsupported formats raise.
    """
    if formatString is None:
        return None
    p = formatString
    out: list[str] = []
    i = 0
    quoted = False
    while i < len(p):
        c = p[i]
        if c == "'":
            if i + 1 < len(p) and p[i + 1] == "'":
                out.append("'")
                i += 2
            else:
                quoted = not quoted
                i += 1
            continue
        if quoted or c != "{":
            out.append(c)
            i += 1
            continue
        depth, j = 1, i + 1
        while j < len(p) and depth:
            depth += {"{": 1, "}": -1}.get(p[j], 0)
            j += 1
        if depth:
            raise PineRuntimeError(f"str.format: unmatched braces in {p!r}")
        inner = p[i + 1 : j - 1]
        spec = inner.split(",", 2)
        try:
            index = int(spec[0].strip())
        except ValueError:
            raise PineRuntimeError(
                f"str.format: can't parse argument number {spec[0]!r} in {p!r}"
            ) from None
        if index < 0 or index >= len(args):
            out.append("{" + inner + "}")
        else:
            out.append(_format_arg(args[index], spec, p))
        i = j
    return "".join(out)


# --- str.format_time ------------------------------------------------------------------------

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

#: Long time zone names (``zzzz``) by abbreviation, as Java prints them; zones whose
#: abbreviation is ambiguous are named by their IANA key in :data:`_ZONE_NAMES_BY_KEY`.
_ZONE_NAMES = {
    "UTC": "Coordinated Universal Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "WET": "Western European Standard Time",
    "WEST": "Western European Summer Time",
    "CET": "Central European Standard Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Standard Time",
    "EEST": "Eastern European Summer Time",
    "MSK": "Moscow Standard Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "AKST": "Alaska Standard Time",
    "AKDT": "Alaska Daylight Time",
    "HST": "Hawaii-Aleutian Standard Time",
    "JST": "Japan Standard Time",
    "KST": "Korean Standard Time",
    "HKT": "Hong Kong Standard Time",
    "SGT": "Singapore Standard Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
    "ACST": "Australian Central Standard Time",
    "ACDT": "Australian Central Daylight Time",
    "AWST": "Australian Western Standard Time",
    "NZST": "New Zealand Standard Time",
    "NZDT": "New Zealand Daylight Time",
    "SAST": "South Africa Standard Time",
}
_ZONE_NAMES_BY_KEY = {
    "Asia/Shanghai": "China Standard Time",
    "Asia/Taipei": "Taipei Standard Time",
    "Asia/Kolkata": "India Standard Time",
    "Asia/Calcutta": "India Standard Time",
    "Asia/Jerusalem": "Israel Standard Time",
    "Asia/Tel_Aviv": "Israel Standard Time",
}


def _offset(d: _dt.datetime, colon: bool) -> str:
    off = d.utcoffset() or _dt.timedelta(0)
    total = int(off.total_seconds()) // 60
    sign = "-" if total < 0 else "+"
    h, m = divmod(abs(total), 60)
    return f"{sign}{h:02d}{':' if colon else ''}{m:02d}"


def _zone_name(d: _dt.datetime, long: bool) -> str:
    """``z`` (the abbreviation, ``EDT``) or ``zzzz`` (the name, ``Eastern Daylight Time``);
    a zone without a known name keeps its abbreviation or offset (``UTC+03:00``)."""
    short = d.tzname() or _offset(d, colon=True)
    if not long:
        return short
    key = getattr(d.tzinfo, "key", "")
    if key in _ZONE_NAMES_BY_KEY and not d.dst():
        return _ZONE_NAMES_BY_KEY[key]
    return _ZONE_NAMES.get(short, short)


def _sunday_based(day: _dt.date) -> int:
    """The day's place in a week that starts on Sunday (Sunday 0 ... Saturday 6)."""
    return (day.weekday() + 1) % 7


def _week_of_year(day: _dt.date) -> int:
    """``w``: week 1 is the week (Sunday to Saturday) holding January 1st, so the last days of
    December can be in week 1 of the next year (Java's US rule, as ``dayofweek`` counts)."""
    sunday = day - _dt.timedelta(days=_sunday_based(day))
    if (sunday + _dt.timedelta(days=6)).year > day.year:
        return 1
    jan1 = _dt.date(day.year, 1, 1)
    first_sunday = jan1 - _dt.timedelta(days=_sunday_based(jan1))
    return (sunday - first_sunday).days // 7 + 1


def _week_year(day: _dt.date) -> int:
    """``Y``: the year the week of ``w`` belongs to."""
    return day.year + 1 if day.month == 12 and _week_of_year(day) == 1 else day.year


def _year(year: int, n: int) -> str:
    return f"{year % 100:02d}" if n == 2 else str(year).zfill(n)


def _field(d: _dt.datetime, ch: str, n: int, fmt: str) -> str:
    if ch == "y":
        return _year(d.year, n)
    if ch == "Y":
        return _year(_week_year(d.date()), n)
    if ch == "G":
        return "AD"
    if ch in "ML":
        if n >= 4:
            return _MONTHS[d.month - 1]
        if n == 3:
            return _MONTHS[d.month - 1][:3]
        return str(d.month).zfill(n)
    if ch == "E":
        name = _DAYS[d.weekday()]
        return name if n >= 4 else name[:3]
    if ch == "a":
        return "AM" if d.hour < 12 else "PM"
    if ch == "Z":
        return _offset(d, colon=False)
    if ch == "X":
        if not d.utcoffset():
            return "Z"
        o = _offset(d, colon=n >= 3)
        return o[:3] if n == 1 else o
    if ch == "z":
        return _zone_name(d, long=n >= 4)
    first = d.date().replace(day=1)
    values = {
        "d": d.day,
        "D": d.timetuple().tm_yday,
        "w": _week_of_year(d.date()),
        "W": (d.day - 1 + _sunday_based(first)) // 7 + 1,
        "F": (d.day - 1) // 7 + 1,
        "u": d.isoweekday(),
        "H": d.hour,
        "k": d.hour or 24,
        "K": d.hour % 12,
        "h": d.hour % 12 or 12,
        "m": d.minute,
        "s": d.second,
        "S": d.microsecond // 1000,
    }
    if ch not in values:
        raise PineRuntimeError(f"str.format_time: unsupported pattern letter {ch!r} in {fmt!r}")
    return str(values[ch]).zfill(n)


def format_time(
    time: int | None, format: str = "yyyy-MM-dd'T'HH:mm:ssZ", timezone: str = "UTC"
) -> str | None:
    """``str.format_time``: a UNIX time in milliseconds as text, with the letters of Java's
    ``SimpleDateFormat`` (US locale, weeks start on Sunday): ``G y Y M L w W D d F E u a H k K
    h m s S z Z X`` - the manual's table ("Formatting dates and times", Time page) and the rest
    of Java's; text in single quotes is literal, ``''`` is a quote. ``h`` is 1-12 as in Java
    (the manual's table says 0-11: unverified). ``zzzz`` names the common zones
    (``Eastern Daylight Time``); another zone keeps its abbreviation.

    ``timezone`` accepts ``UTC``, ``GMT+3`` / ``UTC-05:30`` style offsets and IANA names; the
    runtime passes ``syminfo.timezone`` when the script omits it.
    """
    if _na(time) or _na(format):
        return None
    d = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(milliseconds=int(time))  # type: ignore[arg-type]
    d = d.astimezone(parse_timezone(timezone or "UTC"))
    out: list[str] = []
    i = 0
    f = format
    while i < len(f):
        c = f[i]
        if c == "'":
            literal, i = _quoted(f, i, f"str.format_time: unterminated quote in {f!r}")
            out.append(literal)
        elif c.isascii() and c.isalpha():
            j = i
            while j < len(f) and f[j] == c:
                j += 1
            out.append(_field(d, c, j - i, f))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)
