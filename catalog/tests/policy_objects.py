"""Objects of the resource pool for the authorization matrix (tests/test_policy.py).

The world's provider account is a member of provider V1 (published); V2 is another provider's
profile, in review. catalog_entry: "published" = V1's published solution, "own" = V1's draft,
"others" = V2's entry in review. catalog_provider: "published" = V1, "others" = V2. adoption: one
adoption by each world enterprise, of V1's published solution, based on a submitted result."""

from __future__ import annotations

import datetime
from typing import Any

from conftest import World

OBJECT_KEYS: dict[str, list[str]] = {
    "catalog_entry": ["published", "own", "others"],
    "catalog_provider": ["published", "others"],
    "catalog_scenario": ["any"],
    "adoption": ["e1", "e2", "e3"],
}


def _baselines(world: World) -> dict[str, Any]:
    from django.utils import timezone

    from assessments.models import Assessment
    from frameworks.models import Framework, FrameworkVersion

    definition = {
        "format": "zhigai-framework/1",
        "framework": {"code": "CAT", "version": "1", "title": {"zh": "测试"}, "score_scale": 100},
        "levels": [{"code": "L1", "name": {"zh": "一级"}}],
        "nodes": [{"code": "q", "title": {"zh": "题"}, "question": {"type": "yes_no"}}],
    }
    framework = Framework.objects.create(code="CAT")
    version = FrameworkVersion.objects.create(
        framework=framework, version="1", status="published", title_zh="测试",
        definition=definition, digest="CAT".ljust(64, "0"), imported_at=timezone.now(),
    )  # fmt: skip
    by = world.users["enterprise"]
    found = {}
    for key in ("e1", "e2", "e3"):
        found[key] = Assessment.objects.create(
            enterprise=getattr(world, key), framework=framework, framework_version=version,
            year=2025, created_by=by, answers={"q": "no"}, status="submitted",
            submitted_at=timezone.now(), submitted_by=by, result={}, total=0.0, level="L1",
            dimension_scores={"q": 0.0},
        )  # fmt: skip
    return found


def build(world: World) -> dict[str, dict[str, Any]]:
    from django.utils import timezone

    from catalog.models import Adoption, Entry, Provider, Scenario, Status
    from conftest import make_user

    province = world.users["province"]
    v1 = Provider.objects.create(
        name="V1 智造服务有限公司", status=Status.PUBLISHED, published_at=timezone.now(),
        created_by=world.users["provider"],
    )  # fmt: skip
    v1.members.add(world.users["provider"])
    other = make_user("provider_catalog_other", "provider")
    v2 = Provider.objects.create(
        name="V2 数字科技有限公司", status=Status.IN_REVIEW, created_by=other
    )
    v2.members.add(other)
    scenario = Scenario.objects.create(
        code="equipment-maintenance", stage="prod_mgmt", name_zh="设备运行监测与预测性维护",
        name_en="Equipment monitoring and predictive maintenance",
    )  # fmt: skip
    common = {"kind": Entry.Kind.SOLUTION, "summary": "测试"}
    published = Entry.objects.create(
        provider=v1, title="设备预测性维护方案", status=Status.PUBLISHED,
        published_at=timezone.now(), created_by=world.users["provider"], **common,
    )  # fmt: skip
    own = Entry.objects.create(
        provider=v1, title="视觉质检方案", created_by=world.users["provider"], **common
    )
    others = Entry.objects.create(
        provider=v2, title="能源管理方案", status=Status.IN_REVIEW, created_by=other, **common
    )
    baselines = _baselines(world)
    adoptions = {}
    for key, baseline in baselines.items():
        adoptions[key] = Adoption.objects.create(
            enterprise=baseline.enterprise, entry=published, provider=v1, baseline=baseline,
            dimensions=["q"], adopted_on=datetime.date(2025, 6, 1), created_by=province,
        )  # fmt: skip
    return {
        "catalog_entry": {"published": published, "own": own, "others": others},
        "catalog_provider": {"published": v1, "others": v2},
        "catalog_scenario": {"any": {"code": scenario.code}},
        "adoption": adoptions,
    }
