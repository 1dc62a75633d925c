"""Registry: Jiangsu's regions, the industry classification, the "1650" clusters and chains,
enterprise categories, and the enterprises themselves with their yearly figures.

Reference tables (Region, Industry, Cluster, Chain, Category) are loaded from data files in
`registry/data/` by `zhigai load_reference_data`; code never hard-codes them.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A reporting unit: the province, a prefecture city, a county-level unit, or a zone."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("设区市")
        COUNTY = "county", _("区县")
        ZONE = "zone", _("开发区/园区")

    class Kind(models.TextChoices):
        PROVINCE = "province", _("省")
        PREFECTURE_CITY = "prefecture_city", _("设区市")
        DISTRICT = "district", _("市辖区")
        COUNTY = "county", _("县")
        COUNTY_CITY = "county_city", _("县级市")
        FUNCTIONAL_ZONE = "functional_zone", _("功能区")
        DEVELOPMENT_ZONE = "development_zone", _("开发区")
        PARK = "park", _("园区")

    code = models.CharField(_("代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    province_administered = models.BooleanField(_("省直管"), default=False)
    source = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def city_code(self) -> str | None:
        """The prefecture city this unit belongs to (itself for a city)."""
        if self.level == self.Level.CITY:
            return self.code
        if self.level == self.Level.COUNTY:
            return self.parent_id
        if self.level == self.Level.ZONE and self.parent is not None:
            return self.parent.city_code
        return None


class Industry(models.Model):
    """A GB/T 4754-2017 code of 门类 C (manufacturing): 大类, 中类 or 小类."""

    class Level(models.TextChoices):
        SECTION = "section", _("门类")
        DIVISION = "division", _("大类")
        GROUP = "group", _("中类")
        CLASS = "class", _("小类")

    code = models.CharField(_("行业代码"), max_length=4, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Cluster(models.Model):
    """An advanced-manufacturing cluster (先进制造业集群) of the "1650" system."""

    code = models.SlugField(_("编码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    source_list = models.CharField(_("所属名单"), max_length=60)
    verified = models.BooleanField(_("已核实"), default=False)
    source_url = models.URLField(_("来源"), max_length=300, blank=True)
    source_date = models.CharField(_("来源日期"), max_length=20, blank=True)
    note = models.TextField(_("说明"), blank=True)
    industries = models.ManyToManyField(
        Industry, blank=True, related_name="clusters", verbose_name=_("覆盖行业")
    )

    class Meta:
        verbose_name = _("先进制造业集群")
        verbose_name_plural = _("先进制造业集群")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Chain(models.Model):
    """A key industry chain (重点产业链). An enterprise is in a chain when its industry code is
    covered by the chain, or when it was added to the chain explicitly (EnterpriseChain)."""

    code = models.SlugField(_("编码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    cluster = models.ForeignKey(
        Cluster,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chains",
        verbose_name=_("所属集群"),
    )
    verified = models.BooleanField(_("已核实"), default=False)
    source_url = models.URLField(_("来源"), max_length=300, blank=True)
    source_date = models.CharField(_("来源日期"), max_length=20, blank=True)
    note = models.TextField(_("说明"), blank=True)
    industries = models.ManyToManyField(
        Industry, blank=True, related_name="chains", verbose_name=_("覆盖行业")
    )

    class Meta:
        verbose_name = _("重点产业链")
        verbose_name_plural = _("重点产业链")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """An enterprise category (规上工业企业, 专精特新, …) or a free tag."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("官方类别")
        TAG = "tag", _("自定义标签")

    code = models.SlugField(_("编码"), max_length=60, primary_key=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    rank = models.PositiveSmallIntegerField(_("排序"), default=100)
    source = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("企业类别")
        verbose_name_plural = _("企业类别")
        ordering = ["rank", "code"]

    def __str__(self) -> str:
        return self.name


def in_chain_q(chain: Any) -> models.Q:
    """Enterprises in `chain` (a Chain, its code, or an OuterRef to one): those whose industry the
    chain covers, and those added to it explicitly. IN subqueries, so no DISTINCT is needed."""
    covered = Chain.industries.through.objects.filter(chain_id=chain).values("industry_id")
    linked = EnterpriseChain.objects.filter(chain_id=chain).values("enterprise_id")
    return models.Q(industry_id__in=covered) | models.Q(id__in=linked)


def in_cluster_q(cluster: Any) -> models.Q:
    """Enterprises in `cluster`: covered by the cluster's own industries, by the industries of
    its chains, or added explicitly to one of its chains."""
    own = Cluster.industries.through.objects.filter(cluster_id=cluster).values("industry_id")
    chains = Chain.industries.through.objects.filter(chain__cluster_id=cluster)
    linked = EnterpriseChain.objects.filter(chain__cluster_id=cluster).values("enterprise_id")
    return (
        models.Q(industry_id__in=own)
        | models.Q(industry_id__in=chains.values("industry_id"))
        | models.Q(id__in=linked)
    )


class EnterpriseQuerySet(models.QuerySet["Enterprise"]):
    def in_chain(self, chain: Chain | str) -> EnterpriseQuerySet:
        return self.filter(in_chain_q(chain))

    def in_cluster(self, cluster: Cluster | str) -> EnterpriseQuerySet:
        return self.filter(in_cluster_q(cluster))


class Enterprise(models.Model):
    """An enterprise of the registry, identified by its USCC (统一社会信用代码, GB 32100)."""

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=200, db_index=True)
    city = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("设区市"),
        limit_choices_to={"level": Region.Level.CITY},
    )
    county = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name=_("区县"),
        limit_choices_to={"level": Region.Level.COUNTY},
    )
    zone = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="zone_enterprises",
        verbose_name=_("开发区/园区"),
        limit_choices_to={"level": Region.Level.ZONE},
    )
    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("行业")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["uscc"]
        indexes = [models.Index(fields=["city", "county"], name="enterprise_city_county")]

    def __str__(self) -> str:
        return self.name


class EnterpriseYear(models.Model):
    """An enterprise's figures for one year."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("年份"))
    revenue_10k_yuan = models.DecimalField(
        _("营业收入（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    employees = models.PositiveIntegerField(_("从业人员（人）"), null=True, blank=True)

    class Meta:
        verbose_name = _("企业年度数据")
        verbose_name_plural = _("企业年度数据")
        ordering = ["enterprise", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="enterprise_year_unique"),
            models.CheckConstraint(
                condition=models.Q(revenue_10k_yuan__gte=0)
                | models.Q(revenue_10k_yuan__isnull=True),
                name="enterprise_year_revenue_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}"


class EnterpriseCategory(models.Model):
    """An enterprise holds a category in a given year (the year of recognition or listing)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="categories")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年份"))

    class Meta:
        verbose_name = _("企业类别记录")
        verbose_name_plural = _("企业类别记录")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "category", "year"], name="enterprise_category_year_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_id} {self.year}"


class EnterpriseChain(models.Model):
    """An explicit chain membership beyond the industry-code rule."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="chain_links")
    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="enterprise_links")

    class Meta:
        verbose_name = _("企业所属产业链")
        verbose_name_plural = _("企业所属产业链")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "chain"], name="enterprise_chain_unique")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.chain_id}"


class Contact(models.Model):
    """A contact person of an enterprise. Personal information: masked in lists, never exported
    in bulk, hidden from experts."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("职务"), max_length=40, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        digits = self.phone
        return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


class ImportJob(models.Model):
    """An enterprise import started from the web page, run by a background task with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    stored_name = models.CharField(max_length=80)
    dry_run = models.BooleanField(_("仅校验"), default=False)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理"), default=0)
    accepted = models.PositiveIntegerField(_("通过"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    error = models.TextField(_("错误"), blank=True)
    report_name = models.CharField(max_length=80, blank=True)
    # The first problems and a count per reason, so the page can show why rows were rejected.
    problems_preview = models.JSONField(_("问题预览"), default=list, blank=True)
    reason_counts = models.JSONField(_("按原因统计"), default=dict, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
