"""Forms of the contest pages: shapes only; the services check the records and write them."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.contests import queries
from zhibu.contests.models import Bank, Contest
from zhibu.contests.services import (
    MAX_ATTEMPTS,
    MAX_QUESTIONS_PER_ATTEMPT,
    MAX_TIME_LIMIT_MINUTES,
    BankInput,
    ContestInput,
)
from zhibu.core.forms import BootstrapFormMixin
from zhibu.core.scope import Capability
from zhibu.registry import queries as registry_queries
from zhibu.registry.forms_members import OrganizationChoiceField
from zhibu.registry.models import Organization

MAX_FILE_BYTES = 5 * 1024 * 1024


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class BankForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-6"
    organization = OrganizationChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].offer(
            registry_queries.organizations(actor, Capability.EDIT), actor, Capability.EDIT
        )
        self.fields["organization"].help_text = _(
            "Contests of this organisation and of every organisation below it may draw from the bank."
        )

    def bank_input(self) -> BankInput:
        return BankInput(**{name: self.cleaned_data[name] for name in ("organization", "title", "description")})


class ImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_(".xlsx, .xls or .csv, at most 5 MB. Start from the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


def _in_an_hour():
    return (timezone.localtime() + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


def _in_a_week():
    return _in_an_hour() + datetime.timedelta(days=7)


class ContestForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-6"
    organization = OrganizationChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    banks = forms.ModelMultipleChoiceField(
        label=_("Question banks"),
        queryset=Bank.objects.none(),
        help_text=_("The banks of the organisation and of the organisations above it."),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    question_count = forms.IntegerField(
        label=_("Questions per attempt"),
        min_value=1,
        max_value=MAX_QUESTIONS_PER_ATTEMPT,
        initial=20,
        help_text=_("Drawn at random from the banks for each attempt."),
    )
    time_limit_minutes = forms.IntegerField(
        label=_("Time limit in minutes"), min_value=1, max_value=MAX_TIME_LIMIT_MINUTES, initial=15
    )
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=LocalDateTimeInput(), initial=_in_an_hour)
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=LocalDateTimeInput(), initial=_in_a_week)
    max_attempts = forms.IntegerField(
        label=_("Attempts allowed"),
        min_value=1,
        max_value=MAX_ATTEMPTS,
        initial=1,
        help_text=_("Each member's best attempt counts."),
    )
    show_ranking = forms.BooleanField(
        label=_("Show a ranking"),
        required=False,
        help_text=_("Off by default: with it off no ranking is shown anywhere."),
    )

    def __init__(self, actor, *args, contest: Contest | None = None, **kwargs):
        if contest is not None:
            kwargs["initial"] = {
                "organization": contest.organization,
                "title": contest.title,
                "description": contest.description,
                "banks": list(contest.banks.all()),
                "question_count": contest.question_count,
                "time_limit_minutes": contest.time_limit_minutes,
                "opens_at": timezone.localtime(contest.opens_at),
                "closes_at": timezone.localtime(contest.closes_at),
                "max_attempts": contest.max_attempts,
                "show_ranking": contest.show_ranking,
            }
        super().__init__(*args, **kwargs)
        self.fields["organization"].offer(
            registry_queries.organizations(actor, Capability.EDIT), actor, Capability.EDIT
        )
        self.fields["banks"].queryset = queries.usable_banks(actor).order_by("organization__path", "title", "pk")
        self.fields["banks"].label_from_instance = lambda bank: f"{bank.title} · {bank.organization.name}"

    def contest_input(self) -> ContestInput:
        data = self.cleaned_data
        return ContestInput(
            organization=data["organization"],
            title=data["title"],
            description=data["description"],
            banks=list(data["banks"]),
            question_count=data["question_count"],
            time_limit_minutes=data["time_limit_minutes"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            max_attempts=data["max_attempts"],
            show_ranking=data["show_ranking"],
        )
