"""Forms of the meeting pages."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.core.forms import ALL, BootstrapFormMixin
from zhibu.core.scope import Capability
from zhibu.meetings import files
from zhibu.meetings.models import Meeting, MeetingKind, Mode, Period
from zhibu.meetings.services import MeetingInput
from zhibu.stations.models import Station


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MeetingForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-6"

    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=LocalDateTimeInput())
    mode = forms.ChoiceField(label=_("How it is held"), choices=Mode.choices, initial=Mode.IN_PLACE)
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    online_link = forms.URLField(label=_("Online meeting link"), required=False, assume_scheme="https")
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Stations of the actor's organisations, and every station without an organisation.
        self.fields["station"].queryset = Station.objects.filter(
            actor.scope.q("organization__path", Capability.VIEW) | Q(organization=None), is_active=True
        ).order_by("name")
        self.fields["station"].help_text = _("Or give the address below.")

    @classmethod
    def for_meeting(cls, actor, meeting: Meeting, data=None):
        initial = {
            "kind": meeting.kind,
            "title": meeting.title,
            "starts_at": timezone.localtime(meeting.starts_at),
            "ends_at": timezone.localtime(meeting.ends_at),
            "mode": meeting.mode,
            "station": meeting.station_id,
            "address": meeting.address,
            "online_link": meeting.online_link,
            "agenda": meeting.agenda,
        }
        return cls(actor, data, initial=initial)

    def meeting_input(self) -> MeetingInput:
        data = self.cleaned_data
        return MeetingInput(
            kind=data["kind"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            mode=data["mode"],
            station=data["station"],
            address=data["address"],
            online_link=data["online_link"],
            agenda=data["agenda"],
        )


class FilterForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ALL + MeetingKind.choices, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def filter(self, meetings):
        if not self.is_valid():
            return meetings
        if self.cleaned_data["kind"]:
            meetings = meetings.filter(kind=self.cleaned_data["kind"])
        if self.cleaned_data["year"]:
            meetings = meetings.filter(starts_at__year=self.cleaned_data["year"])
        return meetings


class LeaveForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.TextInput())


class MinutesForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 10}))


class AttachmentForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Attachment"),
        help_text=_("PDF, Word (.docx), Excel (.xlsx), JPEG or PNG, up to %(mb)d MB.")
        % {"mb": files.MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"}),
    )


RULE_CHOICES = [("", _("As inherited")), *Period.choices, ("off", _("Not required here"))]


class RulesForm(BootstrapFormMixin, forms.Form):
    """One choice per kind: inherit, a period of its own, or switched off for the subtree."""

    field_column = "col-12 col-md-6"

    def __init__(self, own_rules: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in MeetingKind.choices:
            rule = own_rules.get(kind)
            self.fields[kind] = forms.ChoiceField(label=label, choices=RULE_CHOICES, required=False)
            self.initial[kind] = "" if rule is None else (rule.period if rule.is_active else "off")

    def changes(self, own_rules: dict):
        """(kind, period or None, in force) for every kind whose choice changed."""
        for kind in MeetingKind.values:
            choice = self.cleaned_data.get(kind, "")
            if choice == self.initial[kind]:
                continue
            rule = own_rules.get(kind)
            if choice == "":
                yield kind, None, True
            elif choice == "off":
                yield kind, rule.period if rule else Period.YEAR, False
            else:
                yield kind, choice, True
