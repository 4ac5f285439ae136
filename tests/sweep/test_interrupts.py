"""A Ctrl-C swallowed where it landed is raised at the campaign's next check."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from pineopt.sweep import interrupts

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signal handlers are set from the main thread only",
)


def test_a_swallowed_ctrl_c_is_raised_at_the_next_check():
    before = signal.getsignal(signal.SIGINT)
    with interrupts.watch():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler raises KeyboardInterrupt before this ends
        except KeyboardInterrupt:
            pass  # swallowed, as Python does inside a garbage-collector callback
        with pytest.raises(KeyboardInterrupt):
            interrupts.check()
        interrupts.check()  # raised once, not again
    assert signal.getsignal(signal.SIGINT) is before


def test_without_ctrl_c_check_does_nothing_and_the_handler_is_restored():
    before = signal.getsignal(signal.SIGINT)
    with interrupts.watch():
        assert signal.getsignal(signal.SIGINT) is not before
        interrupts.check()
    assert signal.getsignal(signal.SIGINT) is before
    interrupts.check()
