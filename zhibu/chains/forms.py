"""Forms of the chain pages: shapes only; the services check the records and write them."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.chains.models import Mode, Session
from zhibu.chains.services import Below, ChainInput, SessionInput
from zhibu.core.forms import BootstrapFormMixin
from zhibu.core.scope import Capability
from zhibu.meetings import files
from zhibu.registry import queries as registry_queries
from zhibu.registry.forms_members import OrganizationChoiceField
from zhibu.registry.models import Organization


class ChainForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-6"
    lead = OrganizationChoiceField(
        label=_("Lead organisation"),
        queryset=Organization.objects.none(),
        help_text=_("The organisation that hosts the sessions and runs the chain."),
    )
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("Such as an industry chain or a park."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, actor, *args, chain=None, **kwargs):
        if chain is not None:
            kwargs["initial"] = {"lead": chain.lead, "name": chain.name, "description": chain.description}
        super().__init__(*args, **kwargs)
        self.fields["lead"].offer(registry_queries.organizations(actor, Capability.EDIT), actor, Capability.EDIT)

    def chain_input(self) -> ChainInput:
        return ChainInput(**{name: self.cleaned_data[name] for name in ("lead", "name", "description")})


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class SessionForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-6"
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=LocalDateTimeInput())
    mode = forms.ChoiceField(label=_("Held"), choices=Mode.choices, initial=Mode.IN_PLACE)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    agenda = forms.CharField(
        label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=_("One item a line.")
    )

    def __init__(self, *args, session: Session | None = None, **kwargs):
        if session is not None:
            kwargs["initial"] = {
                "title": session.title,
                "starts_at": timezone.localtime(session.starts_at),
                "ends_at": timezone.localtime(session.ends_at),
                "mode": session.mode,
                "place": session.place,
                "online_link": session.online_link,
                "agenda": session.agenda,
            }
        elif not kwargs.get("initial"):
            start = (timezone.localtime() + datetime.timedelta(days=7)).replace(hour=19, minute=30, second=0)
            kwargs["initial"] = {"starts_at": start, "ends_at": start + datetime.timedelta(hours=1, minutes=30)}
        super().__init__(*args, **kwargs)

    def session_input(self) -> SessionInput:
        names = ("title", "starts_at", "ends_at", "mode", "place", "online_link", "agenda")
        return SessionInput(**{name: self.cleaned_data[name] for name in names})


class SearchForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Find organisations"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or code")}),
    )


BELOW_CHOICES = [
    (Below.ITSELF, _("The organisations ticked")),
    (Below.CHILDREN, _("Their direct sub-organisations")),
    (Below.BRANCHES, _("Every grassroots organisation below them")),
]


class AddParticipantsForm(forms.Form):
    organization = forms.ModelMultipleChoiceField(queryset=Organization.objects.filter(dissolved_on=None))
    below = forms.ChoiceField(choices=BELOW_CHOICES, initial=Below.ITSELF)


class MaterialForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Material"),
        help_text=_("PDF, Word (.docx), Excel (.xlsx), JPEG or PNG, up to %(mb)d MB.")
        % {"mb": files.MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"}),
    )


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
