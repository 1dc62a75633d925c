"""zhigai load_plan: write the action plan's tasks and targets (targets/data/plan-2025-2027.yaml)
into the database; targets the province has adjusted are kept."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from targets.plan import PLAN_TEXT, PlanError, load_plan
from targets.services import plan_load


class Command(BaseCommand):
    help = "Load the plan's 20 tasks and quantified targets (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan = load_plan(text_path=PLAN_TEXT)
        except PlanError as error:
            raise CommandError(f"规划数据有误 (The plan file is not valid):\n{error}") from None
        result = plan_load(plan=plan)
        self.stdout.write(
            f"plan {plan.version}: {result.tasks_created} tasks and {result.targets_created} "
            f"targets created, {result.targets_kept} targets kept"
        )
