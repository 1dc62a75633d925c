"""The target tracker's tests run on 2026-11-28 (the clock ticks from there), so periods that
have ended, time elapsed and forecasts do not depend on the day the suite runs. A test may move
the clock again with the `time_machine` fixture."""

from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _plan_today(time_machine):
    time_machine.move_to(TODAY)
