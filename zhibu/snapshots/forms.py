import datetime

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhibu.core.forms import BootstrapFormMixin
from zhibu.registry import queries as registry_queries
from zhibu.registry.forms_members import OrganizationChoiceField
from zhibu.registry.models import Organization


def month_value(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def parse_month(text: str | None) -> datetime.date | None:
    """A "YYYY-MM" query value as the first day of that month; anything else is None."""
    try:
        return datetime.date.fromisoformat(f"{text}-01") if text else None
    except ValueError:
        return None


class CompareForm(BootstrapFormMixin, forms.Form):
    """The organisation and the two months of the comparison page. It is only shown: the view
    resolves the choices itself (an organisation outside the scope is a 404, not a form error)."""

    org = OrganizationChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    a = forms.ChoiceField(label=_("Compare"), choices=())
    b = forms.ChoiceField(label=_("with"), choices=())

    def __init__(self, actor, org: Organization, months: list[datetime.date], current: datetime.date, **kwargs):
        super().__init__(**kwargs)
        org_field = self.fields["org"]
        org_field.offer(registry_queries.organizations(actor), actor)
        # The table drills down to children itself; the select offers the organisations that have
        # some (a province has tens of thousands of branches), and the one shown.
        offered = org_field.queryset.filter(Q(numchild__gt=0) | Q(pk=org.pk))
        org_field.widget.choices = [(choice.pk, org_field.label_from_instance(choice)) for choice in offered]
        choices = [(month_value(month), _month_label(month, current)) for month in months]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices


def _month_label(month: datetime.date, current: datetime.date) -> str:
    if month >= current:
        return _("%(month)s (provisional)") % {"month": month_value(month)}
    return month_value(month)
