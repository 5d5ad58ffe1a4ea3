"""Forms of the learning plan pages: shapes only; services_plans checks the records and writes them."""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhibu.core.forms import BootstrapFormMixin, NativeDateInput
from zhibu.core.scope import Capability
from zhibu.learning.models import Course, Plan, PlanMode
from zhibu.learning.services_plans import PlanInput
from zhibu.registry import queries as registry_queries
from zhibu.registry.choices import WorkRole
from zhibu.registry.forms_members import OrganizationChoiceField
from zhibu.registry.models import Occupation, Organization


def _lineages(prefixes) -> list[str]:
    step = Organization.steplen
    return sorted({prefix[:end] for prefix in prefixes for end in range(step, len(prefix) + 1, step)})


def offered_courses(actor):
    """Published courses a plan of an organisation the actor edits may name: the library's, those of
    the organisations above the ones they edit, and those inside them. The service checks that the
    chosen ones reach the plan's target."""
    courses = Course.objects.filter(is_published=True).select_related("organization")
    if actor.scope.is_platform:
        return courses
    prefixes = actor.scope.prefixes(Capability.EDIT)
    return courses.filter(
        Q(organization=None)
        | Q(organization__path__in=_lineages(prefixes))
        | actor.scope.q("organization__path", Capability.EDIT)
    )


def _today():
    return timezone.localdate()


def _in_a_month():
    return timezone.localdate() + datetime.timedelta(days=30)


class PlanForm(BootstrapFormMixin, forms.Form):
    field_column = "col-12 col-md-6"
    title = forms.CharField(label=_("Title"), max_length=200)
    mode = forms.ChoiceField(label=_("How it is studied"), choices=PlanMode.choices, initial=PlanMode.SELF)
    organization = OrganizationChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    target_org = OrganizationChoiceField(
        label=_("For the members of"),
        queryset=Organization.objects.none(),
        help_text=_("The organisation or one below it: its members and those of the organisations below it."),
    )
    work_role = forms.ChoiceField(
        label=_("Work role"), choices=[("", _("Every work role")), *WorkRole.choices], required=False
    )
    occupation = forms.ModelChoiceField(
        label=_("Occupation"), queryset=Occupation.objects.all(), required=False, empty_label=_("Every occupation")
    )
    mobile_only = forms.BooleanField(label=_("Mobile members only"), required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=NativeDateInput(), initial=_today)
    due_on = forms.DateField(label=_("Due on"), widget=NativeDateInput(), initial=_in_a_month)
    courses = forms.ModelMultipleChoiceField(
        label=_("Courses"),
        queryset=Course.objects.none(),
        help_text=_("Published courses that reach the members of the group."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, actor, *args, plan: Plan | None = None, **kwargs):
        if plan is not None:
            kwargs["initial"] = {
                "title": plan.title,
                "mode": plan.mode,
                "organization": plan.organization,
                "target_org": plan.target_org,
                "work_role": plan.work_role,
                "occupation": plan.occupation,
                "mobile_only": plan.mobile_only,
                "starts_on": plan.starts_on,
                "due_on": plan.due_on,
                "courses": [link.course_id for link in plan.plan_courses.order_by("position", "id")],
            }
        super().__init__(*args, **kwargs)
        editable = registry_queries.organizations(actor, Capability.EDIT)
        self.fields["organization"].offer(editable, actor, Capability.EDIT)
        self.fields["target_org"].offer(editable, actor, Capability.EDIT)
        self.fields["courses"].queryset = offered_courses(actor).order_by("title", "pk")
        library = _("platform library")
        self.fields["courses"].label_from_instance = lambda course: (
            f"{course.title} · {course.organization.name if course.organization_id else library}"
        )

    def plan_input(self) -> PlanInput:
        data = self.cleaned_data
        return PlanInput(
            organization=data["organization"],
            title=data["title"],
            target_org=data["target_org"],
            starts_on=data["starts_on"],
            due_on=data["due_on"],
            courses=list(data["courses"]),
            mode=data["mode"],
            work_role=data["work_role"],
            occupation=data["occupation"],
            mobile_only=data["mobile_only"],
        )


class MemberFilterForm(forms.Form):
    unfinished = forms.BooleanField(label=_("Not finished"), required=False)
