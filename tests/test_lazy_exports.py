"""Package attributes imported on first use (:mod:`pineopt.lazy_exports`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_a_lazy_name_imports_its_home_on_first_read_only():
    """Importing ``pineopt.lang`` leaves the parser unimported; reading ``parse`` imports it
    and keeps the value in the package; an unknown name is an AttributeError."""
    code = textwrap.dedent(
        """
        import sys
        import pineopt.lang as lang
        assert "pineopt.lang.parser" not in sys.modules
        parse = lang.parse
        assert "pineopt.lang.parser" in sys.modules
        assert vars(lang)["parse"] is parse is sys.modules["pineopt.lang.parser"].parse
        try:
            lang.no_such_name
        except AttributeError as exc:
            assert "pineopt.lang" in str(exc) and "no_such_name" in str(exc)
        else:
            raise AssertionError("no AttributeError")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
