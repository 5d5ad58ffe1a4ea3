"""Forms of the core pages."""

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from zhibu.accounts.forms import BootstrapFormMixin
from zhibu.core.models import AuditEvent
from zhibu.registry.forms_members import NativeDateInput

ALL = [("", _("All"))]
# The kinds of objects audit events are recorded about.
AUDITED_MODELS = (
    "registry.Organization",
    "registry.Member",
    "registry.Unit",
    "registry.Region",
    "accounts.User",
    "accounts.ApiToken",
)


def object_type_choices() -> list[tuple[str, str]]:
    models = (apps.get_model(label) for label in AUDITED_MODELS)
    return ALL + [(model._meta.label_lower, model._meta.verbose_name) for model in models]


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=ALL + AuditEvent.Action.choices, required=False)
    actor_name = forms.CharField(label=_("Actor"), max_length=150, required=False)
    object_type = forms.ChoiceField(label=_("Object type"), choices=object_type_choices, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=NativeDateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=NativeDateInput)

    def filters(self) -> dict:
        """The valid filters; an invalid one is shown on the form and ignored."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
