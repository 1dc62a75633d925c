"""Measurement for security goal G7 (concurrent edits and double submits): over many trials, two
users of one enterprise save the same draft at the same moment from the same revision — the same
question (exactly one may win, the other must see a conflict) or different questions (both must
be saved), each time to values different from the stored ones — and ten parallel submits of one
draft must freeze it once. Counts lost updates, duplicate submissions and errors; the figures go
to figures/bench_concurrent_saves.json.

Meaningful on PostgreSQL (row locks, real parallel transactions): run with DATABASE_URL set
(`DATABASE_URL=postgres://… python -m bench concurrent_saves`); a throwaway `<name>_bench`
database is created. On SQLite the writers are serialised by IMMEDIATE transactions; the same
counts are reported. `BENCH_G7_TRIALS` sets the number of trials per scenario (default 200).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import threading
import time
from collections import Counter
from typing import Any

from bench.import_enterprises import FIGURES, ROOT, database_prepare, reference_load

TRIALS = int(os.environ.get("BENCH_G7_TRIALS", "200"))
OUT = FIGURES.parent / "bench_concurrent_saves.json"


def _parallel(count: int, work: Any) -> list[str]:
    """Run work(i) in `count` threads released together; each closes its connection."""
    from django.db import connection

    barrier = threading.Barrier(count)
    outcomes = [""] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i] = work(i)
        except Exception as exc:  # counted, never hidden
            outcomes[i] = f"error:{type(exc).__name__}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _save_pair(draft: Any, users: list[Any], changes: list[dict[str, Any]]) -> list[str]:
    from assessments.services import AssessmentConflict, assessment_save

    revision = draft.revision

    def work(i: int) -> str:
        base = {code: draft.answers.get(code) for code in changes[i]}
        try:
            assessment_save(
                assessment=draft, changes=changes[i], revision=revision, by=users[i], base=base
            )
        except AssessmentConflict:
            return "conflict"
        return "saved"

    return _parallel(2, work)


def _scenario_same(draft: Any, users: list[Any], trial: int) -> Counter[str]:
    """Both change renewables.share, each to a new value (never the stored one): exactly one
    may be saved, the other must see a conflict, and the stored value is the winner's."""
    values = [float(trial % 50) + 0.25, float(trial % 50) + 0.75]
    outcomes = _save_pair(draft, users, [{"renewables.share": v} for v in values])
    draft.refresh_from_db()
    counts = Counter(outcomes)
    winner = [values[i] for i, o in enumerate(outcomes) if o == "saved"]
    lost = len(winner) != 1 or draft.answers.get("renewables.share") != winner[0]
    counts["lost_update"] += int(lost)
    return counts


def _scenario_different(draft: Any, users: list[Any], trial: int) -> Counter[str]:
    """One changes gate.compliance, the other renewables.share: both saved, both stored."""
    flag = "no" if draft.answers.get("gate.compliance") == "yes" else "yes"
    share = float(trial % 50) + 0.5
    changes: list[dict[str, Any]] = [{"gate.compliance": flag}, {"renewables.share": share}]
    outcomes = _save_pair(draft, users, changes)
    draft.refresh_from_db()
    counts = Counter(outcomes)
    stored = (draft.answers.get("gate.compliance"), draft.answers.get("renewables.share"))
    counts["lost_update"] += int(stored != (flag, share))
    return counts


def _scenario_submit(make_draft: Any, user: Any) -> Counter[str]:
    """Ten parallel submits of one complete draft: one frozen result, nothing duplicated."""
    from assessments.models import Assessment
    from assessments.services import assessment_submit

    draft = make_draft()
    outcomes = _parallel(
        10,
        lambda i: (
            "submitted"
            if assessment_submit(assessment=draft, by=user, revision=draft.revision).is_submitted
            else "not"
        ),
    )
    counts = Counter(outcomes)
    rows = Assessment.objects.filter(enterprise=draft.enterprise, status="submitted").count()
    counts["duplicates"] += max(0, rows - 1)
    Assessment.objects.filter(pk=draft.pk).delete()
    return counts


def _world() -> tuple[Any, list[Any], Any]:
    from accounts.models import Role, User
    from assessments.tests.factories import load_default_models, make_draft
    from registry.models import Enterprise, Region
    from registry.uscc import uscc_make

    load_default_models()
    county = Region.objects.get(code="320583")
    enterprise = Enterprise.objects.create(
        uscc=uscc_make(region_code=county.code, org_body="77700001"),
        name="并发测试企业",
        city_id=county.parent_id or "3205",
        county=county,
        industry_id="3911",
    )
    users = [
        User.objects.create_user(f"g7-{i}", role=Role.ENTERPRISE, enterprise=enterprise)
        for i in range(2)
    ]
    draft = make_draft(enterprise=enterprise, code="ZERO-CARBON", by=users[0])
    return (
        draft,
        users,
        lambda: make_draft(enterprise=enterprise, code="ZERO-CARBON", by=users[0], quality=0.6),
    )


def main() -> int:
    database = database_prepare()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    reference_load()
    draft, users, fresh_draft = _world()
    started = time.perf_counter()
    same, different, submit = Counter[str](), Counter[str](), Counter[str]()
    for trial in range(TRIALS):
        same += _scenario_same(draft, users, trial)
        different += _scenario_different(draft, users, trial)
    for _ in range(max(1, TRIALS // 10)):
        submit += _scenario_submit(fresh_draft, users[0])
    figures = {
        "database": connection.vendor,
        "trials_per_scenario": TRIALS,
        "same_question": dict(same),
        "different_questions": dict(different),
        "parallel_submits_x10": dict(submit),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": platform.platform(),
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"database: {database}; figures in {OUT.relative_to(ROOT)}")
    lost = same["lost_update"] + different["lost_update"]
    errors = sum(n for k, n in (same + different + submit).items() if k.startswith("error"))
    return 1 if lost or errors or submit["duplicates"] else 0


if __name__ == "__main__":
    sys.exit(main())
