"""`zhigai compute_devindex`: a run computed at once with progress printed, published on request,
as the platform; clear errors without a definition or a snapshot year."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from conftest import World
from devindex.models import IndexRun
from devindex.tests.factories import YEAR, load_definition, make_tiny_snapshot


def test_the_command_computes_and_publishes_a_run(world: World) -> None:
    make_tiny_snapshot(world)
    load_definition()
    out = StringIO()
    call_command("compute_devindex", "--year", str(YEAR), "--publish", stdout=out)
    run = IndexRun.objects.get()
    assert (run.status, run.published, run.created_by) == (IndexRun.Status.DONE, True, None)
    assert len(run.values_sha256) == 64
    assert f"index run #{run.pk}: 100%" in out.getvalue()
    assert "done and published: city 3, county 3" in out.getvalue()
    publish = AuditEvent.objects.get(action="index_run.publish")
    assert publish.actor_username == "command:compute_devindex"


def test_the_command_leaves_the_run_unpublished_without_the_flag(world: World) -> None:
    make_tiny_snapshot(world)
    load_definition()
    call_command("compute_devindex", "--year", str(YEAR), stdout=StringIO())
    assert IndexRun.objects.get().published is False


def test_the_command_needs_a_loaded_definition(world: World) -> None:
    make_tiny_snapshot(world)
    with pytest.raises(CommandError, match="load_index_definitions"):
        call_command("compute_devindex", "--year", str(YEAR), stdout=StringIO())


def test_the_command_names_a_year_the_snapshot_lacks(world: World) -> None:
    make_tiny_snapshot(world)
    load_definition()
    with pytest.raises(CommandError, match="2019"):
        call_command("compute_devindex", "--year", "2019", stdout=StringIO())
    assert not IndexRun.objects.exists()
