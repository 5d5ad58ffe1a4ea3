"""Forms of the points pages: shapes only; the services check the values and write them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zhibu.core.forms import BootstrapFormMixin
from zhibu.points.models import MAX_CAP, MAX_POINTS_PER_EVENT, PointKind
from zhibu.points.services import RuleInput


class PolicyForm(BootstrapFormMixin, forms.Form):
    is_enabled = forms.BooleanField(
        label=_("Points are on for this organisation and the organisations below it"), required=False
    )
    show_ranking = forms.BooleanField(
        label=_("Show a ranking"),
        required=False,
        help_text=_("Off by default. When on, members see a ranking among this organisation's members only."),
    )


class RuleForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-sm-6 col-lg-3"
    kind = forms.ChoiceField(label=_("What earns points"), choices=PointKind.choices)
    points = forms.IntegerField(label=_("Points each time"), min_value=1, max_value=MAX_POINTS_PER_EVENT)
    cap_per_day = forms.IntegerField(label=_("At most per day"), min_value=1, max_value=MAX_CAP, required=False)
    cap_per_month = forms.IntegerField(label=_("At most per month"), min_value=1, max_value=MAX_CAP, required=False)

    def rule_input(self) -> RuleInput:
        return RuleInput(
            **{name: self.cleaned_data[name] for name in ("kind", "points", "cap_per_day", "cap_per_month")}
        )
