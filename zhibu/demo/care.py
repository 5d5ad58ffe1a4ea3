"""Demo pairings and a year of contacts, with realistic gaps: some branches keep to the timeline,
some fall short, some members were never contacted at all.

The cadre persona is paired through the services with three members of their branch: one overdue
for a talk, one due this week, one talked to lately. The other mobile members (about a thousand)
are paired in bulk with cadre accounts made for their branches, three members each at most, and
their contacts written in bulk, each bulk write recorded as one audit event, as the builder does."""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from zhibu.accounts.models import RoleGrant, User
from zhibu.care import services
from zhibu.care.models import Channel, Contact, ContactKind, Pairing
from zhibu.core import audit
from zhibu.core.scope import Role
from zhibu.demo import DEMO_PASSWORD
from zhibu.demo.names import PersonFactory
from zhibu.registry.choices import Gender, Standing
from zhibu.registry.models import Member, Organization

PER_CADRE = 3
YEAR = 365
BATCH_SIZE = 1000
UNPAIRED_SHARE = 0.06  # members still waiting for a cadre
REASSIGNED_SHARE = 0.05  # pairings that took over from an earlier cadre


@dataclass(frozen=True)
class Habit:
    """How well a branch keeps the timeline: the days between contacts, and the share of its
    members nobody has contacted yet."""

    gaps: tuple[int, int]
    never_share: float


HABITS = {
    "good": Habit((25, 80), 0.0),
    "fair": Habit((60, 130), 0.08),
    "poor": Habit((120, 300), 0.35),
}
HABIT_WEIGHTS = {"good": 5, "fair": 3, "poor": 2}

SUMMARIES = {
    ContactKind.TALK: [
        "聊了最近的跑单情况，身体还好",
        "谈了家里老人看病的事，已帮忙联系社区",
        "了解春节是否返乡，提醒注意交通安全",
        "交流了学习强国和支部学习资料的情况",
        "说起站点夜班多，建议调整作息",
        "谈了孩子上学的事，介绍了积分入学政策",
        "询问了在外地参加组织生活的情况",
    ],
    ContactKind.VISIT: [
        "到站点看望，送去学习资料和防暑用品",
        "上门走访家属，了解生活困难",
        "在驿站见面，一起参加主题党日",
    ],
    ContactKind.OTHER: [
        "微信群里转达了支部通知",
        "寄送了红色包裹，确认已收到",
        "视频连线参加了支部党员大会",
    ],
}
NEXT_STEPS = ["", "", "下月再联系", "协助办理组织关系转接咨询", "邀请参加下次主题党日", "跟进社区帮扶进展"]


class CareDemo:
    def __init__(self, admin, seed: str):
        self.admin = admin
        self.rng = random.Random(f"{seed}:care")
        self.people = PersonFactory(f"{seed}:care")
        self.today = timezone.localdate()
        self.password = make_password(DEMO_PASSWORD)
        self.contacts: list[Contact] = []

    @transaction.atomic
    def build(self) -> int:
        """Returns the number of contacts written."""
        paired = self._persona()
        by_branch: dict[int, list[Member]] = {}
        mobile = (
            Member.objects.filter(is_mobile=True, standing=Standing.NORMAL)
            .exclude(pk__in=paired)
            .select_related("home_org")
            .order_by("home_org__path", "pk")
        )
        for member in mobile:
            by_branch.setdefault(member.home_org_id, []).append(member)
        pairings: list[Pairing] = []
        for members in by_branch.values():
            pairings += self._branch(members)
        self._write(pairings)
        return Contact.objects.count()

    # The cadre persona

    def _persona(self) -> list[int]:
        """Three members of the cadre's branch: overdue for a talk, due this week, talked to lately."""
        cadre = User.objects.filter(username="cadre").first()
        grant = cadre and cadre.grants.exclude(organization=None).select_related("organization").first()
        if grant is None:
            return []
        branch = grant.organization
        members = list(
            Member.objects.filter(home_org__path__startswith=branch.path, is_mobile=True, standing=Standing.NORMAL)
            .select_related("home_org")
            .order_by("pk")[:PER_CADRE]
        )
        # (pairing started, last talk) in days ago: the default talk is due every 90 days.
        plans = [(200, 104), (150, 86), (300, 20)]
        for member, (started, talked) in zip(members, plans, strict=False):
            services.pair(self.admin, branch, member, cadre, self._ago(started))
            services.log_contact(cadre, member, self._contact_input(ContactKind.TALK, self._ago(talked)))
            if started > 250:
                services.log_contact(cadre, member, self._contact_input(ContactKind.VISIT, self._ago(started - 30)))
        return [member.pk for member in members]

    def _contact_input(self, kind: str, on: datetime.date) -> services.ContactInput:
        channel = Channel.IN_PERSON if kind == ContactKind.VISIT else self.rng.choice([Channel.PHONE, Channel.ONLINE])
        return services.ContactInput(
            kind=kind,
            on=on,
            channel=channel,
            summary=self.rng.choice(SUMMARIES[kind]),
            next_step=self.rng.choice(NEXT_STEPS),
        )

    # Every other branch, in bulk

    def _branch(self, members: list[Member]) -> list[Pairing]:
        branch = members[0].home_org
        habit = HABITS[self.rng.choices(list(HABIT_WEIGHTS), weights=list(HABIT_WEIGHTS.values()))[0]]
        waiting = round(len(members) * UNPAIRED_SHARE * self.rng.random() * 2)
        to_pair = members[: len(members) - waiting]
        cadres = self._cadres(branch, -(-len(to_pair) // PER_CADRE))
        pairings = []
        for index, member in enumerate(to_pair):
            cadre = cadres[index // PER_CADRE]
            started = self._ago(self.rng.randint(60, 3 * YEAR))
            if self.rng.random() < REASSIGNED_SHARE and len(cadres) > 1:
                earlier = cadres[(index // PER_CADRE + 1) % len(cadres)]
                pairings.append(self._pairing(earlier, member, branch, started - datetime.timedelta(days=200), started))
            pairing = self._pairing(cadre, member, branch, started)
            pairing.habit = habit
            pairings.append(pairing)
        return pairings

    def _pairing(self, cadre, member, branch, started, ended=None) -> Pairing:
        pairing = Pairing(
            cadre=cadre,
            member=member,
            organization=branch,
            started_on=started,
            ended_on=ended,
            end_reason=Pairing.EndReason.REASSIGNED if ended else "",
            created_by=self.admin,
        )
        pairing.habit = None
        return pairing

    def _cadres(self, branch: Organization, count: int) -> list[User]:
        users = [
            User(
                username=f"cadre-{branch.code}-{number}",
                display_name=self.people.name(self.rng.choice([Gender.MALE, Gender.FEMALE])),
                password=self.password,
            )
            for number in range(1, count + 1)
        ]
        User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        users = list(User.objects.filter(username__in=[user.username for user in users]).order_by("username"))
        RoleGrant.objects.bulk_create(
            [RoleGrant(user=user, role=Role.CADRE, organization=branch) for user in users], batch_size=BATCH_SIZE
        )
        return sorted(users, key=lambda user: int(user.username.rsplit("-", 1)[1]))

    def _write(self, pairings: list[Pairing]) -> None:
        Pairing.objects.bulk_create(pairings, batch_size=BATCH_SIZE)
        contacts = [contact for pairing in pairings if pairing.habit for contact in self._year_of_contacts(pairing)]
        Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
        cadres = {pairing.cadre_id for pairing in pairings}
        for what, rows in (("pairings", len(pairings)), ("contacts", len(contacts)), ("cadres", len(cadres))):
            audit.record(self.admin, audit.Action.IMPORT, object_repr=f"demo care {what}", changes={what: rows})

    def _year_of_contacts(self, pairing: Pairing) -> list[Contact]:
        habit: Habit = pairing.habit
        if self.rng.random() < habit.never_share:
            return []
        day = max(pairing.started_on, self._ago(YEAR)) + datetime.timedelta(days=self.rng.randint(5, habit.gaps[0]))
        found = []
        while day <= self.today:
            kind = self.rng.choices(list(SUMMARIES), weights=[7, 2, 2])[0]
            data = self._contact_input(kind, day)
            found.append(
                Contact(
                    member=pairing.member,
                    cadre=pairing.cadre,
                    pairing=pairing,
                    organization=pairing.organization,
                    kind=kind,
                    on=day,
                    channel=data.channel,
                    summary=data.summary,
                    next_step=data.next_step,
                )
            )
            day += datetime.timedelta(days=self.rng.randint(*habit.gaps))
        return found

    def _ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)
