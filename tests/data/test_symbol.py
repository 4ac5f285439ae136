import pytest

from pineopt.data.symbol import SymbolInfo
from pineopt.errors import DataError


def test_defaults():
    symbol = SymbolInfo("AAPL")
    assert symbol.tickerid == "AAPL"
    assert (
        symbol.timezone,
        str(symbol.session),
        symbol.mintick,
        symbol.pointvalue,
        symbol.currency,
    ) == ("UTC", "24x7", 0.01, 1.0, "USD")
    assert symbol.pricescale == 100


def test_crypto_defaults_from_a_ccxt_symbol():
    symbol = SymbolInfo.default("BTC/USDT", "ccxt", "binance")
    assert symbol.tickerid == "BINANCE:BTCUSDT"
    assert (symbol.type, symbol.currency, symbol.basecurrency) == ("crypto", "USDT", "BTC")


def test_toml_with_pricescale_and_minmove(tmp_path):
    path = tmp_path / "es.toml"
    path.write_text(
        '[symbol]\nticker = "ES1!"\nprefix = "CME_MINI"\ntype = "futures"\n'
        'pricescale = 4\nminmove = 1\npointvalue = 50\ntimezone = "America/Chicago"\n'
        'session = "1700-1600:23456"\n'
    )
    symbol = SymbolInfo.from_toml(path)
    assert symbol.mintick == 0.25 and symbol.pointvalue == 50
    assert symbol.tickerid == "CME_MINI:ES1!"
    assert symbol.session.overnight


def test_round_trip_through_a_dict(files):
    symbol = SymbolInfo.from_toml(files / "timeframe" / "timeframe.toml")
    assert SymbolInfo(**symbol.to_dict()) == symbol
    assert symbol.mintick == pytest.approx(1e-5)


def test_replace_accepts_a_session_string():
    assert str(SymbolInfo("X").replace(session="0930-1600").session) == "0930-1600"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ticker": ""}, "ticker"),
        ({"ticker": "X", "type": "shoe"}, "symbol type"),
        ({"ticker": "X", "timezone": "Mars/Base"}, "timezone"),
        ({"ticker": "X", "mintick": 0}, "mintick"),
        ({"ticker": "X", "pointvalue": -1}, "pointvalue"),
    ],
)
def test_bad_fields_are_refused(fields, message):
    with pytest.raises(DataError, match=message):
        SymbolInfo(**fields)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [", "not valid TOML"),
        ("[other]\nx = 1\n", r"missing \[symbol\]"),
        ('[symbol]\nprefix = "X"\n', "no ticker"),
        ('[symbol]\nticker = "X"\nmintick = "a"\n', "mintick"),
    ],
)
def test_bad_toml_files(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        SymbolInfo.from_toml(path)


def test_missing_toml(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        SymbolInfo.from_toml(tmp_path / "absent.toml")
