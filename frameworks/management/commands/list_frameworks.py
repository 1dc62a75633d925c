"""`zhigai list_frameworks`: one line per model version, `CODE@VERSION  status  title`, by code
then version."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_sorted


class Command(BaseCommand):
    help = "List every maturity model version: CODE@VERSION, status, title."

    def handle(self, *args: Any, **options: Any) -> None:
        versions = framework_version_sorted(
            FrameworkVersion.objects.select_related("framework").defer("definition")
        )
        if not versions:
            self.stdout.write("没有成熟度模型 (no frameworks): zhigai load_frameworks")
        for version in versions:
            provisional = " [暂行 provisional]" if version.provisional else ""
            self.stdout.write(f"{version.label}  {version.status}  {version.title_zh}{provisional}")
