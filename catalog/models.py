"""The resource pool (资源池 / 工具箱): service providers and their catalogue entries (solutions,
industrial software, smart and network equipment, knowledge models and industrial apps, training,
cases), the province's typical scenarios per industry, shortfall list and project reserve, the
scenario vocabulary that ties entries to the maturity models' dimensions, and the enterprises'
adoption records that close the loop from an assessment gap to a measured effect.

Moderation: a provider's profile and entries start as drafts, go to review when the provider
submits them, and only the province publishes or rejects them (catalog/services.py). Published
rows are public; everything else is seen by its provider and the province only
(catalog/selectors.py).
`seg` holds the jieba tokens of the searchable text (catalog/search.py keeps it and the full-text
index in step).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("待审核")
    PUBLISHED = "published", _("已发布")
    REJECTED = "rejected", _("已退回")


STATUS_VALUES = [s.value for s in Status]


class Stage(models.TextChoices):
    """The five scenario-building areas of 智能工厂梯度培育 (frameworks.md: 场景建设), plus the
    cross-cutting areas the other models measure (network and security, energy and carbon, data
    and AI)."""

    FACTORY = "factory", _("工厂建设")
    RND = "rnd", _("研发设计")
    PRODUCTION = "production", _("生产作业")
    PROD_MGMT = "prod_mgmt", _("生产管理")
    OPERATIONS = "operations", _("运营管理")
    NETWORK = "network", _("网络与安全")
    GREEN = "green", _("绿色低碳")
    DATA_AI = "data_ai", _("数据与人工智能")


class Scenario(models.Model):
    """A typical scenario (典型场景) of 《智能制造典型场景参考指引》 style, loaded from
    catalog/data/scenarios.yaml. `nodes` ties it to the maturity models: "FRAMEWORK:node" codes
    (e.g. "SF-JS:prod_mgmt.equipment"), so a weak node of an assessment leads to its scenarios."""

    code = models.SlugField(_("编码"), max_length=60, primary_key=True)
    stage = models.CharField(_("环节"), max_length=12, choices=Stage.choices)
    name_zh = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    nodes = models.JSONField(_("对应模型维度"), default=list, blank=True)
    rank = models.PositiveSmallIntegerField(_("排序"), default=100)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    verified = models.BooleanField(_("已核实"), default=False)

    class Meta:
        verbose_name = _("典型场景")
        verbose_name_plural = _("典型场景")
        ordering = ["rank", "code"]

    def __str__(self) -> str:
        return self.name_zh


class Moderated(models.Model):
    """Fields shared by everything the province moderates."""

    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    featured = models.BooleanField(_("推荐"), default=False)
    rating = models.PositiveSmallIntegerField(_("评级"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("最后修改时间"), auto_now=True)
    seg = models.TextField(_("分词"), blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class Provider(Moderated):
    """A service provider (服务商): an organisation, managed by its member accounts (role
    provider)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    region = models.ForeignKey(
        "registry.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("注册地"),
    )
    regions_served = models.ManyToManyField(
        "registry.Region", blank=True, related_name="+", verbose_name=_("服务区域")
    )
    industries = models.JSONField(_("服务行业"), default=list, blank=True)
    qualifications = models.JSONField(_("资质"), default=list, blank=True)
    summary = models.TextField(_("简介"), blank=True)
    track_record = models.TextField(_("服务业绩"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    website = models.URLField(_("网址"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="catalog_providers",
        limit_choices_to={"role": "provider"},
        verbose_name=_("管理账号"),
    )

    class Meta:
        verbose_name = _("服务商")
        verbose_name_plural = _("服务商")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="provider_status_valid", condition=models.Q(status__in=STATUS_VALUES)
            ),
            models.CheckConstraint(
                name="provider_rating_range",
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Entry(Moderated):
    """One catalogue entry. Kind-specific facts live in `attributes` (catalog/kinds.py says
    which)."""

    class Kind(models.TextChoices):
        SOLUTION = "solution", _("解决方案")
        SOFTWARE = "software", _("工业软件")
        EQUIPMENT = "equipment", _("智能装备")
        NETWORK = "network", _("网络设备")
        MODEL = "model", _("知识模型与工业APP")
        TRAINING = "training", _("人才培训")
        CASE = "case", _("优秀案例")
        SCENARIO = "scenario", _("典型场景")
        SHORTFALL = "shortfall", _("短板技术和装备")
        PROJECT = "project", _("重大装备项目储备")

    class SoftwareCategory(models.TextChoices):
        RND = "rnd", _("研发设计")
        CONTROL = "control", _("生产控制")
        MANAGEMENT = "management", _("经营管理")
        OPERATIONS = "operations", _("运维服务")
        EMBEDDED = "embedded", _("嵌入式")

    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, db_index=True)
    title = models.CharField(_("名称"), max_length=120)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("详细介绍"), blank=True)
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("服务商"),
    )
    software_category = models.CharField(
        _("软件类别"), max_length=12, choices=SoftwareCategory.choices, blank=True
    )
    first_version = models.BooleanField(_("首版次"), default=False)
    first_set = models.BooleanField(_("首台套"), default=False)
    recognised_year = models.PositiveSmallIntegerField(_("认定年度"), null=True, blank=True)
    # GB/T 4754-2017 codes at any level (division "34" covers every class under it).
    industries = models.JSONField(_("适用行业"), default=list, blank=True)
    # Region codes (a city covers its counties); empty = the whole province.
    regions = models.JSONField(_("适用区域"), default=list, blank=True)
    # registry Cluster / Chain codes ("1650" clusters and chains; cases are collected by them).
    clusters = models.JSONField(_("产业集群"), default=list, blank=True)
    chains = models.JSONField(_("产业链"), default=list, blank=True)
    scenarios = models.ManyToManyField(
        Scenario, blank=True, related_name="entries", verbose_name=_("场景")
    )
    attributes = models.JSONField(_("其他信息"), default=dict, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    verified = models.BooleanField(_("已核实"), default=True)

    class Meta:
        verbose_name = _("资源条目")
        verbose_name_plural = _("资源条目")
        ordering = ["-featured", "-published_at", "-pk"]
        indexes = [models.Index(fields=["status", "kind"], name="entry_status_kind")]
        constraints = [
            models.CheckConstraint(
                name="entry_status_valid", condition=models.Q(status__in=STATUS_VALUES)
            ),
            models.CheckConstraint(
                name="entry_rating_range",
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
            ),
            models.CheckConstraint(
                name="entry_software_category_only_for_software",
                condition=models.Q(kind="software") | models.Q(software_category=""),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EntryVector(models.Model):
    """The entry's text embedding (catalog/embedding.py), computed when it is published; float32
    bytes, unit length. `model` names the embedder and `digest` is the sha256 of the exact text
    embedded, so a swapped embedder or an edited text recomputes rather than mixes."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="vector")
    model = models.CharField(max_length=40)
    digest = models.CharField(max_length=64)
    vector = models.BinaryField()

    class Meta:
        verbose_name = _("语义向量")
        verbose_name_plural = _("语义向量")

    def __str__(self) -> str:
        return f"{self.entry_id} · {self.model}"


class Adoption(models.Model):
    """An enterprise's record that it adopted a solution (and/or engaged a provider) to improve
    the named dimensions of one of its results; the next result of the same model shows the
    effect."""

    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="adoptions",
        verbose_name=_("企业"),
    )
    entry = models.ForeignKey(
        Entry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adoptions",
        verbose_name=_("采用的资源"),
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adoptions",
        verbose_name=_("服务商"),
    )
    baseline = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.PROTECT,
        related_name="adoptions",
        verbose_name=_("依据的评估结果"),
    )
    # Top-level dimension codes of the baseline's model that the adoption targets.
    dimensions = models.JSONField(_("针对的维度"), default=list)
    adopted_on = models.DateField(_("采用日期"))
    note = models.TextField(_("说明"), blank=True)
    withdrawn = models.BooleanField(_("已撤回"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("采用记录")
        verbose_name_plural = _("采用记录")
        ordering = ["-adopted_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="adoption_names_entry_or_provider",
                condition=models.Q(entry__isnull=False) | models.Q(provider__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.entry or self.provider}"
