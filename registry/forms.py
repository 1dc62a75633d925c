from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import Category, Chain, Industry, Region


class EnterpriseFilterForm(forms.Form):
    """The list page's filters. Choices are narrowed to the user's jurisdiction by the view."""

    q = forms.CharField(label=_("名称或信用代码"), required=False, max_length=100)
    city = forms.ModelChoiceField(label=_("设区市"), queryset=Region.objects.none(), required=False)
    county = forms.ModelChoiceField(label=_("区县"), queryset=Region.objects.none(), required=False)
    industry = forms.ModelChoiceField(
        label=_("行业大类"), queryset=Industry.objects.filter(level="division"), required=False
    )
    category = forms.ModelChoiceField(
        label=_("企业类别"), queryset=Category.objects.filter(kind="official"), required=False
    )
    chain = forms.ModelChoiceField(label=_("产业链"), queryset=Chain.objects.all(), required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件（XLSX 或 CSV）"))
    dry_run = forms.BooleanField(label=_("仅校验，不写入"), required=False)
