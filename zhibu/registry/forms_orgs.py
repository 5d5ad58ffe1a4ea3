"""Forms of the organisation and unit pages. They check shapes only: the services validate the
records and write them, and their ValidationErrors come back here as field errors."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zhibu.core.forms import BootstrapFormMixin, NativeDateInput
from zhibu.core.scope import Capability
from zhibu.registry import queries, services
from zhibu.registry.choices import RegionLevel, UnitKind
from zhibu.registry.forms_members import EMPTY, OrganizationChoiceField
from zhibu.registry.models import Organization, Region, Unit

ALL = [("", _("All"))]


class ServiceModelForm(BootstrapFormMixin, forms.ModelForm):
    """Fields, labels and choices come from the model, but the form neither fills the instance
    nor checks uniqueness: the service does both, and an instance changed by a refused write
    would show wrong values on the page."""

    field_column = "col-12 col-md-6"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if getattr(field, "empty_label", None) is not None:
                field.empty_label = EMPTY

    def _post_clean(self):
        pass

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class OrganizationForm(ServiceModelForm):
    """Create a child organisation (without a secretary: it has no members yet) or edit one."""

    class Meta:
        model = Organization
        fields = (*services.ORG_FIELDS, "units")
        widgets = {"founded_on": NativeDateInput, "dissolved_on": NativeDateInput}
        help_texts = {"dissolved_on": _("Leave empty while the organisation is active.")}

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["region"].queryset = queries.regions(actor)
        fields["units"].queryset = queries.units(actor)
        if self.instance.pk is None:
            del fields["secretary"]
        else:
            fields["secretary"].queryset = queries.members(actor).filter(home_org__path__startswith=self.instance.path)

    def service_values(self) -> dict:
        values = super().service_values()
        values["units"] = list(values["units"])
        return values


class OrganizationMoveForm(BootstrapFormMixin, forms.Form):
    # Every organisation of the edit scope is offered, the org's own subtree too: the service
    # refuses a cycle with a message that says why, which a shorter list would not.
    parent = OrganizationChoiceField(label=_("New parent organisation"), queryset=Organization.objects.none())

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].offer(queries.organizations(actor, Capability.EDIT), actor, Capability.EDIT)


class UnitForm(ServiceModelForm):
    class Meta:
        model = Unit
        fields = services.UNIT_FIELDS

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = queries.regions(actor)
        # Room for spaces and dashes: the service normalises the code and explains what is wrong.
        self.fields["credit_code"].max_length = 40
        self.fields["credit_code"].widget.attrs["maxlength"] = "40"


class UnitFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Part of the name")}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ALL + UnitKind.choices, required=False)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        # Down to streets: a select of every community in a city would be unusable.
        self.fields["region"].queryset = queries.regions(actor).filter(level__lte=RegionLevel.STREET)

    def results(self):
        """The units matching the valid filters; an invalid filter is shown and ignored."""
        self.is_valid()
        data = self.cleaned_data
        units = queries.units(self.actor)
        if data.get("q", "").strip():
            units = units.filter(name__icontains=data["q"].strip())
        if data.get("kind"):
            units = units.filter(kind=data["kind"])
        if data.get("region") is not None:
            units = units.filter(region__code__startswith=data["region"].subtree_prefix)
        return units
