"""Forms of the materials pages: shapes only; the services check the records and write them."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.core.forms import BootstrapFormMixin, NativeDateInput
from zhibu.core.scope import Capability
from zhibu.materials.models import Campaign, DeliveryState
from zhibu.materials.services import CampaignInput
from zhibu.registry import queries as registry_queries
from zhibu.registry.forms_members import ALL, OrganizationChoiceField
from zhibu.registry.models import Organization

OUTSTANDING = "outstanding"


class CampaignForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-6"
    organization = OrganizationChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    contents = forms.CharField(
        label=_("Contents"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What each parcel holds, one item a line: 党章, 党徽, study books, a letter."),
    )
    mobile_only = forms.BooleanField(
        label=_("Mobile members only"),
        required=False,
        initial=True,
        help_text=_("Otherwise every member in normal standing whose record is held in the organisation's subtree."),
    )

    def __init__(self, actor, *args, campaign: Campaign | None = None, **kwargs):
        if campaign is not None:
            kwargs["initial"] = {
                "organization": campaign.organization,
                "title": campaign.title,
                "contents": campaign.contents,
                "mobile_only": campaign.mobile_only,
            }
        super().__init__(*args, **kwargs)
        self.fields["organization"].offer(
            registry_queries.organizations(actor, Capability.EDIT), actor, Capability.EDIT
        )

    def campaign_input(self) -> CampaignInput:
        return CampaignInput(
            **{name: self.cleaned_data[name] for name in ("organization", "title", "contents", "mobile_only")}
        )


class DeliveryFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Member name"), required=False, max_length=50, widget=forms.TextInput(attrs={"type": "search"})
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False, empty_label=_("All")
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=[*ALL, (OUTSTANDING, _("Not received yet")), *DeliveryState.choices],
        required=False,
    )
    org = OrganizationChoiceField(
        label=_("Members of (and below)"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("All"),
    )

    def __init__(self, actor, campaigns, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns.exclude(state=Campaign.State.DRAFT)
        org_field = self.fields["org"]
        org_field.offer(registry_queries.organizations(actor), actor)
        # Any organisation in scope is accepted, but the select offers only those with
        # sub-organisations (as the member list does): a city has thousands of branches.
        selected = self.data.get("org") if self.is_bound else None
        offered = org_field.queryset.filter(Q(numchild__gt=0) | Q(pk=selected if str(selected).isdigit() else None))
        org_field.widget.choices = [("", org_field.empty_label)] + [
            (org.pk, org_field.label_from_instance(org)) for org in offered
        ]

    def value(self, name: str):
        """A valid filter's value; an invalid filter is shown on the form and ignored."""
        self.is_valid()
        return self.cleaned_data.get(name)

    def without_state(self, found):
        """The deliveries matching every filter but the state: the figures per state count these."""
        if self.value("q"):
            found = found.filter(member__name__contains=self.value("q").strip())
        if self.value("campaign"):
            found = found.filter(campaign=self.value("campaign"))
        if self.value("org"):
            found = found.filter(member__home_org__path__startswith=self.value("org").path)
        return found

    def filter(self, found):
        found = self.without_state(found)
        state = self.value("state")
        if state == OUTSTANDING:
            return found.exclude(state=DeliveryState.RECEIVED)
        return found.filter(state=state) if state else found

    def query(self, **changed) -> dict:
        """The valid filters as URL parameters, with some changed: for the links of the figures."""
        self.is_valid()
        params = {
            name: self.data.get(name) for name in ("q", "campaign", "state", "org") if self.cleaned_data.get(name)
        }
        params.update(changed)
        return {name: value for name, value in params.items() if value not in (None, "")}


def _today():
    return timezone.localdate()


class SendForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-sm-6"
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=60,
        help_text=_("6 to 40 letters and digits."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    sent_on = forms.DateField(label=_("Sent on"), widget=NativeDateInput(), initial=_today)


class ReceiveForm(BootstrapFormMixin, forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=NativeDateInput(), required=False, initial=_today)


class BulkSendForm(BootstrapFormMixin, forms.Form):
    """The date of a batch; the rows (a checkbox and a tracking number each) come with the list."""

    sent_on = forms.DateField(label=_("Sent on"), widget=NativeDateInput(), initial=_today)
