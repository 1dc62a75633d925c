from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续失败多次后账户将被暂时锁定。"),
        "inactive": _("该账户已停用。"),
    }


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=365, initial=90)
