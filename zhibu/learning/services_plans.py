"""Every write of learning plans (领学/共学/自学): one typed function each, one transaction, the
permission checked, audited.

Who may keep a plan: the editors (Capability.EDIT) of its organisation. The plan is for members of
the organisation or of an organisation below it (the target), narrowed by work role, occupation and
the mobile mark; its courses are published ones that reach the target's members: the platform-wide
library's, and those of the target organisation or of an organisation above it.

Deleting a plan leaves the members' progress as it is: what they studied stays studied.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhibu.core import audit
from zhibu.core.scope import Capability
from zhibu.learning.models import Course, Plan, PlanCourse, PlanMode
from zhibu.registry.choices import WorkRole
from zhibu.registry.models import Occupation, Organization

MAX_COURSES = 50


@dataclass
class PlanInput:
    organization: Organization
    title: str
    target_org: Organization
    starts_on: datetime.date
    due_on: datetime.date
    courses: list[Course] = field(default_factory=list)
    mode: str = PlanMode.SELF
    work_role: str = ""
    occupation: Occupation | None = None
    mobile_only: bool = False


# Permissions


def may_keep_in(actor, organization: Organization) -> bool:
    return actor.scope.covers(organization.path, Capability.EDIT)


def can_edit(actor, plan: Plan) -> bool:
    return may_keep_in(actor, plan.organization)


def may_create(actor) -> bool:
    return actor.scope.can(Capability.EDIT)


def _require_organization(actor, organization: Organization) -> None:
    if not may_keep_in(actor, organization):
        raise PermissionDenied(_("You may only keep the learning plans of your organisations."))


def reaches(course: Course, target: Organization) -> bool:
    """Is the course published to the members of the target organisation?"""
    if not course.is_published:
        return False
    return course.organization_id is None or course.organization.path in target.lineage_paths


# Checks


def _checked(data: PlanInput) -> tuple[str, list[Course]]:
    """The cleaned title and the courses without repeats, or a ValidationError naming each problem."""
    errors: dict[str, list[str]] = {}
    title = (data.title or "").strip()
    if not title:
        errors["title"] = [_("Give a title.")]
    elif len(title) > 200:
        errors["title"] = [_("A title has at most 200 characters.")]
    if data.mode not in PlanMode.values:
        errors["mode"] = [_("Choose how the plan is studied.")]
    if data.work_role and data.work_role not in WorkRole.values:
        errors["work_role"] = [_("Choose a work role from the list.")]
    if data.target_org is None or not data.target_org.path.startswith(data.organization.path):
        errors["target_org"] = [_("Choose the plan's organisation or an organisation below it.")]
    if data.starts_on is None or data.due_on is None:
        errors["due_on"] = [_("Give the start and the due date.")]
    elif data.due_on < data.starts_on:
        errors["due_on"] = [_("The due date cannot come before the start.")]
    courses: list[Course] = []
    for course in data.courses or []:
        if all(course.pk != kept.pk for kept in courses):
            courses.append(course)
    if not courses:
        errors["courses"] = [_("Choose at least one course.")]
    elif len(courses) > MAX_COURSES:
        errors["courses"] = [_("A plan has at most %(count)s courses.") % {"count": MAX_COURSES}]
    elif "target_org" not in errors:
        closed = [course.title for course in courses if not reaches(course, data.target_org)]
        if closed:
            errors["courses"] = [
                _("These courses are not published to the members of %(organization)s: %(titles)s.")
                % {"organization": data.target_org.name, "titles": "、".join(closed)}
            ]
    if errors:
        raise ValidationError(errors)
    return title, courses


def _state(plan: Plan, courses: list[Course]) -> dict:
    return {
        "organization": plan.organization_id,
        "title": plan.title,
        "mode": plan.mode,
        "target_org": plan.target_org_id,
        "work_role": plan.work_role,
        "occupation": plan.occupation_id,
        "mobile_only": plan.mobile_only,
        "starts_on": plan.starts_on.isoformat(),
        "due_on": plan.due_on.isoformat(),
        "courses": [course.pk for course in courses],
    }


def _apply(plan: Plan, data: PlanInput, title: str) -> None:
    plan.organization = data.organization
    plan.title = title
    plan.mode = data.mode
    plan.target_org = data.target_org
    plan.work_role = data.work_role or ""
    plan.occupation = data.occupation
    plan.mobile_only = bool(data.mobile_only)
    plan.starts_on, plan.due_on = data.starts_on, data.due_on


def _set_courses(plan: Plan, courses: list[Course]) -> None:
    PlanCourse.objects.filter(plan=plan).delete()
    PlanCourse.objects.bulk_create(
        PlanCourse(plan=plan, course=course, position=position) for position, course in enumerate(courses)
    )


# Writes


@transaction.atomic
def create_plan(actor, data: PlanInput) -> Plan:
    _require_organization(actor, data.organization)
    title, courses = _checked(data)
    plan = Plan(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _apply(plan, data, title)
    plan.save()
    _set_courses(plan, courses)
    audit.record(
        actor, audit.Action.CREATE, plan, org=plan.organization_id, changes=audit.created(_state(plan, courses))
    )
    return plan


@transaction.atomic
def update_plan(actor, plan: Plan, data: PlanInput) -> Plan:
    _require_organization(actor, plan.organization)
    _require_organization(actor, data.organization)
    before = _state(plan, [pc.course for pc in plan.plan_courses.select_related("course").order_by("position", "id")])
    title, courses = _checked(data)
    _apply(plan, data, title)
    plan.save()
    _set_courses(plan, courses)
    audit.record(
        actor, audit.Action.UPDATE, plan, org=plan.organization_id, changes=audit.diff(before, _state(plan, courses))
    )
    return plan


@transaction.atomic
def delete_plan(actor, plan: Plan) -> None:
    """The plan goes; what its members studied stays recorded."""
    _require_organization(actor, plan.organization)
    audit.record(actor, audit.Action.DELETE, plan, org=plan.organization_id, changes={"title": [plan.title, None]})
    plan.delete()
