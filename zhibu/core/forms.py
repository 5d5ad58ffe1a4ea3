"""Form pieces every zhibu form shares, and the forms of the core pages."""

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhibu.core.models import AuditEvent


class BootstrapFormMixin:
    """Bootstrap 5 classes on every widget, `is-invalid` on fields with errors, and a layout
    template: `{{ form }}` renders a responsive grid with `field_column` as each cell's classes."""

    template_name = "core/form.html"
    field_column = "col-12"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = _widget_class(field.widget)

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs["class"]:
                    widget.attrs["class"] += " is-invalid"


def _widget_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):  # also SelectMultiple
        return "form-select"
    return "form-control"


class NativeDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


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
