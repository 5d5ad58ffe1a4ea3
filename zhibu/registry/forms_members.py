"""Forms of the member pages. They check shapes only: the domain rules live in services, whose
ValidationErrors come back here as field errors."""

import dataclasses

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhibu.core.forms import BootstrapFormMixin, NativeDateInput
from zhibu.core.scope import Capability
from zhibu.registry import queries, services
from zhibu.registry.choices import ETHNICITIES, Education, Gender, PartyStatus, RegionLevel, Standing, WorkRole
from zhibu.registry.models import Member, Occupation, Organization, Region, Unit

EMPTY = "—"
ALL = [("", _("All"))]
NOT_GIVEN = [("", EMPTY)]


class OrganizationLabelMixin:
    """Organisations in tree order, indented below the top of the actor's scope, so that a flat
    select reads as the tree."""

    top_depth = 1

    def offer(self, queryset, actor, capability: str = Capability.VIEW) -> None:
        self.queryset = queryset.order_by("path")
        prefixes = actor.scope.prefixes(capability)
        if prefixes and not actor.scope.is_platform:
            self.top_depth = min(len(prefix) for prefix in prefixes) // Organization.steplen

    def label_from_instance(self, obj: Organization) -> str:
        return "\u3000" * max(0, obj.depth - self.top_depth) + obj.name


class OrganizationChoiceField(OrganizationLabelMixin, forms.ModelChoiceField):
    pass


class OrganizationMultipleChoiceField(OrganizationLabelMixin, forms.ModelMultipleChoiceField):
    pass


class SealedInput(forms.TextInput):
    """A text input that never writes its value back into the page, so that an ID or phone
    number typed into a form that fails validation is not echoed into the HTML."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def format_value(self, value):
        return None


class MemberFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, pinyin or initials (zxm)")}),
    )
    org = OrganizationChoiceField(
        label=_("Organisation and below"), queryset=Organization.objects.none(), required=False, empty_label=_("All")
    )
    party_status = forms.ChoiceField(label=_("Party status"), choices=ALL + PartyStatus.choices, required=False)
    occupation = forms.ModelChoiceField(
        label=_("Occupation"), queryset=Occupation.objects.all(), required=False, empty_label=_("All")
    )
    is_mobile = forms.TypedChoiceField(
        label=_("Mobile member"),
        choices=[*ALL, ("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        org_field = self.fields["org"]
        org_field.offer(queries.organizations(actor), actor)
        # Any organisation in scope is accepted (the organisation page links here with a branch), but
        # the select offers only those with sub-organisations: a province has tens of thousands of branches.
        selected = self.data.get("org") if self.is_bound else None
        offered = org_field.queryset.filter(Q(numchild__gt=0) | Q(pk=selected if str(selected).isdigit() else None))
        org_field.widget.choices = [("", org_field.empty_label)] + [
            (org.pk, org_field.label_from_instance(org)) for org in offered
        ]
        # Down to streets: a select of every community in a city would be unusable.
        self.fields["region"].queryset = queries.regions(actor).filter(level__lte=RegionLevel.STREET)

    def kept_total(self) -> int | None:
        """The number of results from the kept figures, when nothing but the organisation filters them."""
        self.is_valid()
        if any(value not in (None, "") for name, value in self.cleaned_data.items() if name != "org"):
            return None
        return queries.member_total(self.actor, self.cleaned_data.get("org"))

    def results(self):
        """The actor's members matching the valid filters; an invalid filter is shown and ignored."""
        self.is_valid()
        data = self.cleaned_data
        region = data.get("region")
        region_filter = {}
        if region is not None:
            region_filter["region__code__startswith"] = region.subtree_prefix
        return queries.search_members(
            self.actor,
            text=data.get("q", ""),
            org=data.get("org"),
            party_status=data.get("party_status"),
            occupation=data.get("occupation"),
            is_mobile=data.get("is_mobile"),
            **region_filter,
        )


class MemberForm(BootstrapFormMixin, forms.Form):
    """Create or edit a member. On edit, the ID and phone inputs start empty (the page never
    holds the numbers in clear) and an empty input keeps the current number."""

    field_column = "col-12 col-md-6 col-xl-4"

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=40, widget=SealedInput)
    phone = forms.CharField(label=_("Mobile number"), max_length=40, required=False, widget=SealedInput)
    remove_phone = forms.BooleanField(label=_("Remove the mobile number"), required=False)  # edit only
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=NOT_GIVEN + Gender.choices,
        required=False,
        help_text=_("Leave empty to take it from the ID number."),
    )
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=ETHNICITIES, initial="01")
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=NativeDateInput,
        help_text=_("Leave empty to take it from the ID number."),
    )
    education = forms.ChoiceField(label=_("Education"), choices=NOT_GIVEN + Education.choices, required=False)
    party_status = forms.ChoiceField(label=_("Party status"), choices=PartyStatus.choices)
    standing = forms.ChoiceField(label=_("Membership standing"), choices=Standing.choices, initial=Standing.NORMAL)
    joined_on = forms.DateField(label=_("Joined the party on"), widget=NativeDateInput)
    full_member_on = forms.DateField(label=_("Became full member on"), required=False, widget=NativeDateInput)
    home_org = OrganizationChoiceField(label=_("Home organisation"), queryset=Organization.objects.none())
    activity_orgs = OrganizationMultipleChoiceField(
        label=_("Activity organisations"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Where the member takes part in organisational life, besides the home organisation."),
    )
    occupation = forms.ModelChoiceField(
        label=_("Occupation"), queryset=Occupation.objects.all(), required=False, empty_label=EMPTY
    )
    employer = forms.ModelChoiceField(
        label=_("Employer"), queryset=Unit.objects.none(), required=False, empty_label=EMPTY
    )
    region = forms.ModelChoiceField(
        label=_("Region of residence and work"), queryset=Region.objects.none(), required=False, empty_label=EMPTY
    )
    is_mobile = forms.BooleanField(label=_("Mobile member"), required=False)
    work_role = forms.ChoiceField(
        label=_("Work role"),
        choices=NOT_GIVEN + WorkRole.choices,
        required=False,
        help_text=_("Learning plans are tailored to it: leaders lead the study, staff study together."),
    )

    def __init__(self, actor, *args, member: Member | None = None, **kwargs):
        self.member = member
        if member is not None:
            current = services.member_input_from(member)
            kwargs["initial"] = {
                f.name: getattr(current, f.name)
                for f in dataclasses.fields(current)
                if f.name not in services.PERSONAL_FIELDS
            }
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["home_org"].offer(queries.organizations(actor, Capability.EDIT), actor, Capability.EDIT)
        activity_orgs = queries.organizations(actor)
        if member is not None:
            # Keep links to organisations the actor cannot see, or saving would drop them.
            activity_orgs = (activity_orgs | member.activity_orgs.all()).distinct()
        fields["activity_orgs"].offer(activity_orgs, actor)
        fields["employer"].queryset = queries.units(actor)
        fields["region"].queryset = queries.regions(actor)
        if member is not None:
            self._keep_personal_numbers(member)
        if member is None or not member.phone_sealed:
            del fields["remove_phone"]

    def _keep_personal_numbers(self, member: Member) -> None:
        keep = _("Leave empty to keep the current number.")
        self.fields["id_number"].required = False
        for name, masked in (("id_number", member.id_number_masked), ("phone", member.phone_masked)):
            self.fields[name].help_text = keep
            self.fields[name].widget.attrs["placeholder"] = masked

    def member_input(self) -> services.MemberInput:
        data = dict(self.cleaned_data)
        remove_phone = data.pop("remove_phone", False)
        if self.member is not None:
            data["id_number"] = data["id_number"] or self.member.id_number
            data["phone"] = "" if remove_phone else (data["phone"] or self.member.phone)
        data["activity_orgs"] = list(data["activity_orgs"])
        return services.MemberInput(**data)
