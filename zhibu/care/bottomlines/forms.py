"""The organisation and the period of the bottom-lines page."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhibu.care.bottomlines.queries import Period
from zhibu.core.forms import BootstrapFormMixin
from zhibu.registry import queries as registry_queries
from zhibu.registry.forms_members import OrganizationChoiceField
from zhibu.registry.models import Organization

YEARS_OFFERED = 6


class BottomLinesForm(BootstrapFormMixin, forms.Form):
    """Only shown: the view resolves the organisation and the period itself (an organisation
    outside the scope is a 404, a bad period a message)."""

    org = OrganizationChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    period = forms.ChoiceField(label=_("Year"), choices=())

    def __init__(self, actor, org: Organization, period: Period, current: Period, **kwargs):
        super().__init__(initial={"org": org.pk, "period": str(period)}, **kwargs)
        org_field = self.fields["org"]
        org_field.offer(registry_queries.organizations(actor), actor)
        # The table drills down to children itself; the select offers the organisations that have
        # some (a province has tens of thousands of branches), and the one shown.
        offered = org_field.queryset.filter(Q(numchild__gt=0) | Q(pk=org.pk))
        org_field.widget.choices = [(choice.pk, org_field.label_from_instance(choice)) for choice in offered]
        years = sorted({current.year - back for back in range(YEARS_OFFERED)} | {period.year}, reverse=True)
        self.fields["period"].choices = [(str(year), str(year)) for year in years]
