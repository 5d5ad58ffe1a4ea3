"""Forms of the care pages: shapes only; the services check the records and write them."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.accounts.models import User
from zhibu.care import services
from zhibu.care.models import RULE_KINDS, Audience, Channel, ContactKind, Pairing
from zhibu.core.forms import BootstrapFormMixin, NativeDateInput
from zhibu.mobility.forms import RedactingInput, RedactingTextarea
from zhibu.registry.models import Member


class PolicyForm(BootstrapFormMixin, forms.Form):
    members_per_cadre = forms.IntegerField(
        label=_("Mobile members per cadre at most"), min_value=1, max_value=services.MAX_MEMBERS_PER_CADRE
    )


class RuleForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-3"
    kind = forms.ChoiceField(label=_("Kind of contact"), choices=RULE_KINDS)
    audience = forms.ChoiceField(label=_("For"), choices=Audience.choices)
    interval_days = forms.IntegerField(label=_("At least every (days)"), min_value=1, max_value=3650)
    is_active = forms.BooleanField(label=_("In force"), required=False, initial=True)

    def rule(self) -> services.RuleInput:
        return services.RuleInput(**self.cleaned_data)


class PairForm(BootstrapFormMixin, forms.Form):
    """The members and cadres are looked up by the view and checked by the service."""

    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())
    cadre = forms.ModelChoiceField(label=_("Cadre"), queryset=User.objects.none())

    def __init__(self, members, cadres, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["cadre"].queryset = cadres


END_REASONS = [choice for choice in Pairing.EndReason.choices if choice[0] != Pairing.EndReason.REASSIGNED]


class EndPairingForm(BootstrapFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Why it ends"), choices=END_REASONS)
    on = forms.DateField(label=_("Ended on"), widget=NativeDateInput(), initial=timezone.localdate)


class ContactForm(BootstrapFormMixin, forms.Form):
    """A contact with the member. Numbers in the free text are refused by the service and never
    echoed back into the page."""

    field_column = "col-12 col-md-6"
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices, initial=ContactKind.TALK)
    on = forms.DateField(label=_("Date"), widget=NativeDateInput(), initial=timezone.localdate)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=500,
        widget=RedactingTextarea(attrs={"rows": 2}),
        help_text=_("What you talked about, in a few words. No ID or phone numbers."),
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False, widget=RedactingInput())

    def contact(self) -> services.ContactInput:
        return services.ContactInput(**self.cleaned_data)
