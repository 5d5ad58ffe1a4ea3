"""Forms of the mobility pages: shapes only; the services check the records and write them."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.accounts.models import RoleGrant, User
from zhibu.core.forms import BootstrapFormMixin, NativeDateInput
from zhibu.core.scope import Capability, Role
from zhibu.mobility.models import Direction, FindingAttempt, MobilityState, Reason
from zhibu.mobility.services import Whereabouts
from zhibu.registry import queries as registry_queries
from zhibu.registry.forms_members import ALL, EMPTY, OrganizationChoiceField, SealedInput
from zhibu.registry.models import Organization, Region, Unit


class WhereaboutsForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-6"
    since = forms.DateField(label=_("Away since"), widget=NativeDateInput())
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    to_region = forms.ModelChoiceField(label=_("Gone to (region)"), queryset=Region.objects.none(), required=False)
    to_unit = forms.ModelChoiceField(label=_("Employer there"), queryset=Unit.objects.none(), required=False)
    to_org = forms.ModelChoiceField(label=_("Organisation there"), queryset=Organization.objects.none(), required=False)
    expected_months = forms.IntegerField(label=_("Expected months away"), min_value=1, max_value=120, required=False)
    reach_phone = forms.CharField(label=_("Phone to reach them"), max_length=20, required=False, widget=SealedInput())
    reach_note = forms.CharField(label=_("How to reach them"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_region"].queryset = Region.objects.order_by("code")
        self.fields["to_unit"].queryset = Unit.objects.order_by("name")
        self.fields["to_org"].queryset = Organization.objects.order_by("path")
        for name in ("to_region", "to_unit", "to_org"):
            self.fields[name].empty_label = EMPTY

    def whereabouts(self) -> Whereabouts:
        return Whereabouts(**self.cleaned_data)


class InflowForm(WhereaboutsForm):
    """The receiving organisation names the member exactly: ID number and name, nothing guessed."""

    id_number = forms.CharField(label=_("ID number"), max_length=30, widget=SealedInput())
    name = forms.CharField(label=_("Name"), max_length=50)
    organization = OrganizationChoiceField(label=_("Receiving organisation"), queryset=Organization.objects.none())
    field_order = ["id_number", "name", "organization"]

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["to_org"]
        self.fields["organization"].offer(
            registry_queries.organizations(actor, Capability.EDIT), actor, Capability.EDIT
        )

    def whereabouts(self) -> Whereabouts:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("id_number", "name", "organization")}
        return Whereabouts(**data)


class RecordFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Member name"), required=False, max_length=50)
    state = forms.ChoiceField(label=_("State"), choices=ALL + MobilityState.choices, required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=ALL + Direction.choices, required=False)
    reason = forms.ChoiceField(label=_("Reason"), choices=ALL + Reason.choices, required=False)

    def filter(self, found):
        if not self.is_valid():
            return found
        data = self.cleaned_data
        if data["q"]:
            found = found.filter(member__name__contains=data["q"].strip())
        for name in ("state", "direction", "reason"):
            if data[name]:
                found = found.filter(**{name: data[name]})
        return found


class DateForm(BootstrapFormMixin, forms.Form):
    on = forms.DateField(label=_("Date"), widget=NativeDateInput(), initial=timezone.localdate)


class EndForm(DateForm):
    state = forms.ChoiceField(
        label=_("How it ended"),
        choices=[
            (MobilityState.RETURNED, MobilityState.RETURNED.label),
            (MobilityState.TRANSFERRED, MobilityState.TRANSFERRED.label),
        ],
    )


class TaskForm(BootstrapFormMixin, forms.Form):
    cadre = forms.ModelChoiceField(label=_("Cadre"), queryset=User.objects.none())

    def __init__(self, organization: Organization, *args, **kwargs):
        super().__init__(*args, **kwargs)
        steplen = Organization.steplen
        ancestors = [organization.path[:end] for end in range(steplen, len(organization.path) + 1, steplen)]
        readers = RoleGrant.objects.filter(organization__path__in=ancestors).exclude(
            role__in=[Role.MEMBER, Role.STATION_STAFF]
        )
        self.fields["cadre"].queryset = User.objects.filter(is_active=True, pk__in=readers.values("user_id")).order_by(
            "username"
        )


class AttemptForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-4"
    method = forms.ChoiceField(label=_("Method"), choices=FindingAttempt.Method.choices)
    result = forms.ChoiceField(label=_("Result"), choices=FindingAttempt.Result.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
