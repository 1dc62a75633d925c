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


@pytest.fixture
def people(world):
    """The world's users, province officials of named departments (by their 单位, as accounts
    carry it) and a second city's official."""
    from accounts.models import Role
    from conftest import make_user

    officials = {
        "miit": "江苏省工业和信息化厅",
        "miit_2": "江苏省工业和信息化厅（演示）",
        "data": "江苏省数据局",
        "telecom": "江苏省通信管理局",
        "finance": "江苏省财政厅",
        "education": "江苏省教育厅",
        "hr": "江苏省人力资源社会保障厅",
    }
    users = dict(world.users)
    for key, organisation in officials.items():
        users[key] = make_user(key, Role.PROVINCE, region=world.province, organisation=organisation)
    users["city_q"] = make_user("city_q", Role.CITY, region=world.q)
    return users


@pytest.fixture
def plan(world):
    """The plan's tasks and targets loaded (targets.services.plan_load)."""
    from targets import services

    services.plan_load()
    return world
