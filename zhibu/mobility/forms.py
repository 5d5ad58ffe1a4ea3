"""Forms of the mobility pages: shapes only; the services check the records and write them."""

import dataclasses

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.accounts.models import User
from zhibu.accounts.queries import readers_of
from zhibu.core.forms import BootstrapFormMixin, NativeDateInput
from zhibu.core.privacy import redact
from zhibu.core.scope import Capability
from zhibu.mobility.models import Direction, FindingAttempt, Mobility, MobilityState, Reason
from zhibu.mobility.services import Whereabouts
from zhibu.registry import queries as registry_queries
from zhibu.registry.choices import RegionLevel
from zhibu.registry.forms_members import ALL, EMPTY, OrganizationChoiceField, SealedInput
from zhibu.registry.models import Organization, Region, Unit

WHEREABOUTS_FIELDS = [field.name for field in dataclasses.fields(Whereabouts)]


class RedactingMixin:
    """Free text that the service refused for holding an ID or phone number comes back to the page
    with the number redacted, never echoed."""

    def format_value(self, value):
        return redact(value) if isinstance(value, str) else super().format_value(value)


class RedactingInput(RedactingMixin, forms.TextInput):
    pass


class RedactingTextarea(RedactingMixin, forms.Textarea):
    pass


class WhereaboutsForm(BootstrapFormMixin, forms.Form):
    """Where the member went and how to reach them. Editing a record, the phone input starts empty
    (the page never holds the number in clear) and an empty input keeps the current number."""

    field_column = "col-12 col-md-6"
    since = forms.DateField(label=_("Away since"), widget=NativeDateInput())
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    to_region = forms.ModelChoiceField(label=_("Gone to (region)"), queryset=Region.objects.none(), required=False)
    abroad = forms.BooleanField(label=_("Gone abroad"), required=False)
    to_unit = forms.ModelChoiceField(label=_("Employer there"), queryset=Unit.objects.none(), required=False)
    to_org = OrganizationChoiceField(
        label=_("Organisation there"), queryset=Organization.objects.none(), required=False
    )
    expected_months = forms.IntegerField(label=_("Expected months away"), min_value=1, max_value=120, required=False)
    reach_phone = forms.CharField(label=_("Phone to reach them"), max_length=20, required=False, widget=SealedInput())
    remove_phone = forms.BooleanField(label=_("Remove the mobile number"), required=False)  # editing only
    reach_note = forms.CharField(
        label=_("How to reach them"),
        max_length=200,
        required=False,
        widget=RedactingInput(),
        help_text=_("For example a WeChat group or a relative; a phone number goes in the phone field."),
    )

    def __init__(self, *args, record: Mobility | None = None, **kwargs):
        self.record = record
        if record is not None:
            kwargs["initial"] = {name: getattr(record, name) for name in WHEREABOUTS_FIELDS if name != "reach_phone"}
        super().__init__(*args, **kwargs)
        # Down to streets, and the current choice: a select of every community would be unusable.
        current_region = record.to_region_id if record is not None else None
        self.fields["to_region"].queryset = Region.objects.filter(
            Q(level__lte=RegionLevel.STREET) | Q(pk=current_region)
        ).order_by("code")
        self.fields["to_unit"].queryset = Unit.objects.order_by("name")
        self.fields["to_org"].queryset = Organization.objects.order_by("path")
        for name in ("to_region", "to_unit", "to_org"):
            self.fields[name].empty_label = EMPTY
        if record is None or not record.reach_phone_sealed:
            del self.fields["remove_phone"]
        else:
            self.fields["reach_phone"].help_text = _("Leave empty to keep the current number.")
            self.fields["reach_phone"].widget.attrs["placeholder"] = record.reach_phone_masked

    def whereabouts(self) -> Whereabouts:
        data = {name: self.cleaned_data[name] for name in WHEREABOUTS_FIELDS if name in self.cleaned_data}
        if self.record is not None and not data["reach_phone"] and not self.cleaned_data.get("remove_phone"):
            data["reach_phone"] = self.record.reach_phone
        return Whereabouts(**data)


class InflowForm(WhereaboutsForm):
    """The receiving organisation names the member exactly: ID number and name, nothing guessed."""

    id_number = forms.CharField(label=_("ID number"), max_length=30, widget=SealedInput())
    name = forms.CharField(label=_("Name"), max_length=50)
    organization = OrganizationChoiceField(label=_("Receiving organisation"), queryset=Organization.objects.none())
    field_order = ["id_number", "name", "organization"]

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["to_org"]  # the receiving organisation is where they are
        self.fields["organization"].offer(
            registry_queries.organizations(actor, Capability.EDIT), actor, Capability.EDIT
        )


class RecordFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Member name"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = forms.ChoiceField(label=_("State"), choices=ALL + MobilityState.choices, required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=ALL + Direction.choices, required=False)
    org = OrganizationChoiceField(
        label=_("Registered by (and below)"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=ALL + Reason.choices, required=False)

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        org_field = self.fields["org"]
        org_field.offer(registry_queries.organizations(actor), actor)
        # Any organisation in scope is accepted, but the select offers only those with
        # sub-organisations (as the member list does): a city has thousands of branches.
        selected = self.data.get("org") if self.is_bound else None
        offered = org_field.queryset.filter(Q(numchild__gt=0) | Q(pk=selected if str(selected).isdigit() else None))
        org_field.widget.choices = [("", org_field.empty_label)] + [
            (org.pk, org_field.label_from_instance(org)) for org in offered
        ]

    @property
    def organization(self) -> Organization | None:
        """The organisation chosen, if valid: the figures count within it too."""
        self.is_valid()  # an invalid filter is shown and ignored; the valid ones apply
        return self.cleaned_data.get("org")

    def within_organization(self, found):
        organization = self.organization
        return found.filter(organization__path__startswith=organization.path) if organization else found

    def filter(self, found):
        """The records matching the valid filters."""
        found = self.within_organization(found)
        data = self.cleaned_data
        if data.get("q"):
            found = found.filter(member__name__contains=data["q"].strip())
        for name in ("state", "direction", "reason"):
            if data.get(name):
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
    """The cadres offered are the accounts that may read the organisation: granted on it or above."""

    cadre = forms.ModelChoiceField(label=_("Cadre"), queryset=User.objects.none())

    def __init__(self, organization: Organization, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = readers_of(organization).order_by("username")


class AttemptForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-4"
    method = forms.ChoiceField(label=_("Method"), choices=FindingAttempt.Method.choices)
    result = forms.ChoiceField(label=_("Result"), choices=FindingAttempt.Result.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=RedactingTextarea(attrs={"rows": 2}))
