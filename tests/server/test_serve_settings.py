"""Settings from the environment, the loopback rule of ``pineopt serve``, the rate limiter's
arithmetic (no database needed)."""

from __future__ import annotations

import pytest

from pineopt.cli import main
from pineopt.server.limits import RateLimiter
from pineopt.server.settings import Settings, SettingsError, check_bind, is_loopback


def test_defaults_and_environment():
    assert Settings.from_env({}) == Settings()
    settings = Settings.from_env(
        {
            "PINEOPT_API_KEY": " one, two ,",
            "PINEOPT_DATABASE_URL": "sqlite:///x.db",
            "PINEOPT_MAX_BODY": "2_048",
            "PINEOPT_MAX_UPLOAD": "10",
            "PINEOPT_RATE_LIMIT": "0",
            "PINEOPT_RUN_TIMEOUT": "2.5",
            "PINEOPT_PAGE_MAX": "7",
            "PINEOPT_WORKERS": "3",
            "PINEOPT_REMOTE_DATA": "off",
            "PINEOPT_DASK_SCHEDULER": "tcp://127.0.0.1:8786",
        }
    )
    assert settings.api_keys == ("one", "two")
    assert settings.auth_required
    assert (settings.max_body_bytes, settings.max_upload_bytes) == (2048, 10)
    assert (settings.rate_limit, settings.run_timeout, settings.page_max) == (0, 2.5, 7)
    assert settings.page_default == 7
    assert (settings.workers, settings.remote_data) == (3, False)
    assert settings.dask_scheduler == "tcp://127.0.0.1:8786"
    assert Settings.from_env({"PINEOPT_WORKERS": "3"}, workers=5).workers == 5


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PINEOPT_WORKERS", "many", "PINEOPT_WORKERS must be a whole number, not 'many'"),
        ("PINEOPT_WORKERS", "0", "PINEOPT_WORKERS must be at least 1, not 0"),
        ("PINEOPT_RUN_TIMEOUT", "-1", "PINEOPT_RUN_TIMEOUT must be a positive number"),
        ("PINEOPT_RUN_TIMEOUT", "soon", "PINEOPT_RUN_TIMEOUT must be a number of seconds"),
        ("PINEOPT_REMOTE_DATA", "maybe", "PINEOPT_REMOTE_DATA must be 1 or 0"),
        ("PINEOPT_MAX_BODY", "10", "PINEOPT_MAX_BODY must be at least 1024"),
    ],
)
def test_bad_values_name_the_variable(name, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.org", False),
    ],
)
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_a_public_address_needs_a_key():
    with pytest.raises(SettingsError, match=r"refusing to listen on 0\.0\.0\.0 without an API key"):
        check_bind("0.0.0.0", Settings())
    check_bind("0.0.0.0", Settings(api_keys=("secret",)))
    check_bind("127.0.0.1", Settings())


def test_serve_refuses_a_public_address_without_a_key(monkeypatch, capsys):
    monkeypatch.delenv("PINEOPT_API_KEY", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pineopt: error: refusing to listen on 0.0.0.0 without an API key")
    assert "PINEOPT_API_KEY" in err
    assert "Traceback" not in err


def test_serve_reports_a_bad_setting_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("PINEOPT_RATE_LIMIT", "lots")
    assert main(["serve", "--port", "0"]) == 1
    assert capsys.readouterr().err.strip() == (
        "pineopt: error: PINEOPT_RATE_LIMIT must be a whole number, not 'lots'"
    )


def test_serve_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--port", "70000"])
    assert stopped.value.code == 2
    assert "a port is between 0 and 65535" in capsys.readouterr().err


def test_rate_limiter_refills_continuously():
    limiter = RateLimiter(rate=3, window=60.0)
    assert [limiter.take("a", now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a", now=100.0) == pytest.approx(20.0)  # one token per 20 s
    assert limiter.take("b", now=100.0) == 0.0  # every caller has its own bucket
    assert limiter.take("a", now=110.0) == pytest.approx(10.0)
    assert limiter.take("a", now=120.0) == 0.0
    assert limiter.take("a", now=300.0) == 0.0  # full again, never above the rate
    assert [limiter.take("a", now=300.0) for _ in range(3)][-1] > 0
