"""Reads of the ledgers, always through the actor's scope."""

from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter

from django.db.models import QuerySet
from django.http import Http404

from zhibu.core.scope import Capability
from zhibu.ledgers.models import LedgerJob
from zhibu.registry.models import Member, Organization


def ledger_members(actor, org: Organization) -> QuerySet[Member]:
    """The members whose record is held in `org`'s subtree (its ledger), if the actor may read it."""
    if not actor.scope.covers(org.path, Capability.VIEW):
        return Member.objects.none()
    return Member.objects.filter(home_org__path__startswith=org.path)


# What an export reads of a member: its own fields and, through joins, what it shows of its relations.
LEDGER_FIELDS = (
    "name",
    "id_number_sealed",
    "gender",
    "ethnicity",
    "birth_date",
    "phone_sealed",
    "education",
    "party_status",
    "standing",
    "joined_on",
    "full_member_on",
    "home_org_id",
    "home_org__name",
    "home_org__code",
    "occupation__name",
    "occupation__name_en",
    "employer__name",
    "region__code",
    "is_mobile",
    "work_role",
)


def ledger_groups(actor, org: Organization, per_branch: bool) -> Iterator[tuple[str, Iterator[dict]]]:
    """(sheet name, members) in tree order: one group per organisation holding members, or one in all.
    Members are dicts of LEDGER_FIELDS, read in one query without model instances."""
    members = (
        ledger_members(actor, org)
        .order_by("home_org__path", "name_pinyin", "id")
        .values(*LEDGER_FIELDS)
        .iterator(chunk_size=2000)
    )
    if not per_branch:
        yield org.name, members
        return
    # Each group is written out in full before the next is asked for, as groupby requires.
    for (_org_id, name), group in groupby(members, key=itemgetter("home_org_id", "home_org__name")):
        yield name, group


def import_targets(actor) -> QuerySet[Organization]:
    """Organisations the actor may import into: those under an edit grant."""
    return Organization.objects.filter(actor.scope.q("path", Capability.EDIT)).order_by("path")


def jobs(actor) -> QuerySet[LedgerJob]:
    """A job and its files are seen by the person who started it only."""
    return LedgerJob.objects.filter(created_by_id=actor.pk).select_related("organization")


def job(actor, job_id) -> LedgerJob:
    try:
        return jobs(actor).get(pk=job_id)
    except (LedgerJob.DoesNotExist, ValueError):
        raise Http404 from None
