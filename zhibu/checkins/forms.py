from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.checkins.queries import Period
from zhibu.checkins.services import Claim
from zhibu.core.forms import BootstrapFormMixin, NativeDateInput
from zhibu.registry.forms_members import SealedInput
from zhibu.registry.models import Organization


class ClaimForm(BootstrapFormMixin, forms.Form):
    """Name, ID number and phone: checked by the service, which also normalises them."""

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        widget=SealedInput(),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=SealedInput({"autocomplete": "tel", "inputmode": "tel"}),
    )

    def claim(self) -> Claim:
        return Claim(**self.cleaned_data)


class CorrectionForm(ClaimForm):
    """Staff retype what the person's ID card shows, when the first entry did not match."""

    field_column = "col-12 col-md-4"


class RedirectForm(BootstrapFormMixin, forms.Form):
    organization_code = forms.CharField(
        label=_("Organisation code"),
        max_length=64,
        help_text=_("The code of the organisation that should take the member in."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_organization_code(self) -> Organization:
        code = self.cleaned_data["organization_code"].strip()
        organization = Organization.objects.filter(code=code).first()
        if organization is None:
            raise ValidationError(_("No organisation has this code."))
        return organization


class PeriodForm(BootstrapFormMixin, forms.Form):
    field_column = "col-6 col-md-3"
    start = forms.DateField(label=_("From"), required=False, widget=NativeDateInput())
    end = forms.DateField(label=_("To"), required=False, widget=NativeDateInput())

    def period(self) -> Period:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end.replace(day=1, month=1)
        return Period(min(start, end), max(start, end))
