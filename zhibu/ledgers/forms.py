from django import forms
from django.utils.translation import gettext_lazy as _

from zhibu.core.forms import BootstrapFormMixin
from zhibu.core.scope import Capability
from zhibu.ledgers import queries
from zhibu.ledgers.models import Dataset
from zhibu.registry.models import Organization


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, org: Organization) -> str:
        return "\u3000" * max(org.depth - 1, 0) + f"{org.name} ({org.code})"


class ImportForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-4"

    # The first choice is the actor's own top organisation, where most imports go.
    organization = OrganizationChoiceField(
        queryset=Organization.objects.none(), label=_("Import into"), empty_label=None
    )
    dataset = forms.ChoiceField(choices=Dataset.choices, label=_("Ledger"))
    file = forms.FileField(
        label=_("File"),
        help_text=_(".xlsx, .xls or .csv (UTF-8 or GB18030)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = queries.import_targets(actor)


class ExportForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-3"

    organization = OrganizationChoiceField(
        queryset=Organization.objects.none(), label=_("Organisation"), empty_label=None
    )
    format = forms.ChoiceField(
        choices=[("xlsx", _("Excel workbook (.xlsx)")), ("pdf", _("Printable PDF"))], label=_("Format")
    )
    per_branch = forms.BooleanField(required=False, label=_("One sheet per branch"))
    reveal = forms.BooleanField(required=False, label=_("Full ID and phone numbers (audited)"))

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(actor.scope.q("path")).order_by("path")
        if not actor.scope.can(Capability.REVEAL):
            del self.fields["reveal"]
