"""Demo chain-led learning (以"链"领学), through the audited services: the secretary persona's
branch of an express company leads a learning chain that brings in about 80 grassroots
organisations of the other companies of the industry (seed 003: "one lead branch brings in about
80 others"). Four past sessions, one of them for a subset (the branches of two companies), with
replies, attendance named from each organisation's own members and a shared reading each (a Word
file whose text the project wrote); one session to come, its invitations still being answered.
secretary2's branch and the courier's branch take part; the courier attended twice."""

import datetime
import io
import random
import zipfile
from xml.sax.saxutils import escape

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.chains import services
from zhibu.chains.models import Chain, Invitation, Mode, Session
from zhibu.registry.choices import BRANCH_KINDS, OrganizationKind, Standing
from zhibu.registry.models import Member, Organization

PARTICIPANTS = 80
MOST_FROM_ONE = 8
NAME = "快递行业“链上学”学习链"
DESCRIPTION = (
    "由鹏程速运一家营业部党支部牵头，把行业内各快递企业的基层党组织串成一条学习链："
    "每月一次链上党课，轮流分享安全生产、服务群众和党建带群建的做法，小支部也能学得上、学得好。"
)
PLACE = "宝安区快递行业党群服务中心二楼报告厅"
# (days ago, title, agenda, the reading shared: its title and paragraphs)
SESSIONS = (
    (
        150,
        "链上党课：新就业群体党员怎样发挥作用",
        "一、牵头支部书记讲党课\n二、三家企业分享“党员先锋岗”做法\n三、交流讨论",
        (
            "学习材料：在岗位上亮出党员身份",
            "快递员每天穿行在街巷之间，是离群众最近的一群人。党员快递员亮出身份，不是为了多一个称号，"
            "而是把承诺写在工牌上：件件按时送达，事事有回音。",
            "各支部可以结合本企业实际，设立党员先锋岗和责任区，把派件高峰、恶劣天气、老旧小区等难点"
            "交给党员先上。每月在支部会上说一说做了什么、还差什么。",
            "讨论题：你所在的网点，群众最常反映的问题是什么？党员可以先做哪一件小事？",
        ),
    ),
    (
        95,
        "链上党课：安全生产和交通安全",
        "一、安全生产专题辅导\n二、电动车骑行安全案例\n三、各支部认领安全责任",
        (
            "学习材料：平安送达每一件",
            "电动三轮车和两轮车是快递员的主要工具。逆行、闯红灯、超载看似节省了几分钟，却可能付出无法挽回的代价。",
            "建议各网点在早班会上用五分钟讲一个安全提示，党员带头检查车辆刹车和灯光，"
            "分拣场地保持通道畅通、灭火器在位。",
            "本次党课后，请各支部在一个月内组织一次安全隐患自查，把问题和整改情况在下次链上党课上交流。",
        ),
    ),
    (
        60,
        "专题学习：党建带群建，关心关爱快递小哥",
        "一、驿站服务和关爱政策介绍\n二、两家企业交流工会和党建联动经验",
        (
            "学习材料：把关爱送到快递小哥身边",
            "暖蜂驿站为快递小哥提供歇脚、饮水、充电和热饭的地方。支部可以和附近驿站结对，"
            "定期组织党员志愿者值守，听一听一线员工的难处。",
            "党建带群建，就是让工会、共青团组织跟着党组织一起动起来：技能培训、子女暑期托管、"
            "大病互助，都可以从一件具体的事做起。",
        ),
    ),
    (
        25,
        "链上党课：服务群众“最后一百米”",
        "一、社区党委书记谈快递进社区\n二、“随手拍”问题办理情况通报\n三、交流讨论",
        (
            "学习材料：最后一百米里的群众工作",
            "快递员熟悉社区的每一栋楼，也最先看到楼道堆物、路灯不亮、独居老人无人照看这些问题。"
            "发现了就随手拍、随手报，是党员服务群众的一种方式。",
            "各支部可以和所在社区党委建立联系，约定问题转办和反馈的渠道，让每一条反映都有人接、有人办、有回音。",
        ),
    ),
)
UPCOMING = (
    10,
    "链上党课：年度学习交流会",
    "一、各支部交流一年来的学习收获\n二、评选优秀学习案例\n三、明年学习安排",
)
SUBSET_SESSION = 2  # the third session is for the branches of two companies only


def docx(paragraphs: tuple[str, ...]) -> bytes:
    """A small Word (.docx) file of the given paragraphs: the three parts a word processor needs."""
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>' for text in paragraphs)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in parts.items():
            package.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), content.encode())
    return buffer.getvalue()


class ChainsDemo:
    def __init__(self, admin, seed: str):
        self.admin = admin
        self.rng = random.Random(f"{seed}:chains")
        self.now = timezone.now()
        self.lead = self._persona_org("secretary")
        self.secretary2_org = self._persona_org("secretary2")
        courier = User.objects.filter(username="courier").select_related("member__home_org").first()
        self.courier = courier.member if courier and courier.member_id else None

    @staticmethod
    def _persona_org(username: str) -> Organization | None:
        user = User.objects.filter(username=username).first()
        grant = user and user.grants.exclude(organization=None).select_related("organization").first()
        return grant.organization if grant else None

    def build(self) -> int:
        industry = Organization.objects.filter(kind=OrganizationKind.INDUSTRY_COMMITTEE).order_by("path").first()
        if self.lead is None or industry is None:
            return 0
        chain = services.create_chain(self.admin, services.ChainInput(self.lead, NAME, DESCRIPTION))
        participants = self._participants(industry)
        services.add_participants(self.admin, chain, participants)
        self.members = self._members_by_org([org.pk for org in participants])
        for index, (days_ago, title, agenda, reading) in enumerate(SESSIONS):
            invited = self._subset(industry, participants) if index == SUBSET_SESSION else None
            session = self._session(chain, title, agenda, self.now - datetime.timedelta(days=days_ago), invited)
            services.add_material(self.admin, session, self._reading(reading))
            self._held(session, courier_attends=index in (1, 3))
        days, title, agenda = UPCOMING
        starts = timezone.localtime(self.now + datetime.timedelta(days=days)).replace(
            hour=19, minute=30, second=0, microsecond=0
        )
        upcoming = self._session(chain, title, agenda, starts, None)
        self._replies(upcoming, accepted=0.4, declined=0.05, personas=False)
        return Session.objects.filter(chain__in=Chain.objects.filter(lead=self.lead)).count()

    def _participants(self, industry: Organization) -> list[Organization]:
        """About 80 grassroots organisations of the industry's companies, the lead's own company's
        included (other branches than the lead), always with the personas' branches."""
        branches = list(
            Organization.objects.filter(path__startswith=industry.path, kind__in=BRANCH_KINDS, dissolved_on=None)
            .exclude(pk=self.lead.pk)
            .order_by("path")
        )
        fixed = [org for org in branches if org in (self.secretary2_org, self.courier and self.courier.home_org)]
        others = [org for org in branches if org not in fixed]
        picked = fixed + self.rng.sample(others, min(len(others), max(0, PARTICIPANTS - len(fixed))))
        return sorted(picked, key=lambda org: org.path)

    def _subset(self, industry: Organization, participants: list[Organization]) -> list[Organization]:
        """The branches of the two companies with most participants (a topic for them)."""
        companies: dict[str, list[Organization]] = {}
        for org in participants:
            companies.setdefault(org.path[: len(industry.path) + Organization.steplen], []).append(org)
        largest = sorted(companies.values(), key=len, reverse=True)[:2]
        return [org for group in largest for org in group]

    @staticmethod
    def _members_by_org(org_ids: list[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        rows = Member.objects.filter(home_org_id__in=org_ids, standing=Standing.NORMAL).order_by("pk")
        for pk, org_id in rows.values_list("pk", "home_org_id"):
            found.setdefault(org_id, []).append(pk)
        return found

    def _session(self, chain, title, agenda, starts, invited) -> Session:
        starts = timezone.localtime(starts).replace(hour=19, minute=30, second=0, microsecond=0)
        data = services.SessionInput(
            title=title,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=90),
            mode=Mode.IN_PLACE,
            place=PLACE,
            agenda=agenda,
        )
        session = services.create_session(self.admin, chain, data)
        services.invite(self.admin, session, invited)
        return session

    @staticmethod
    def _reading(reading: tuple[str, ...]) -> SimpleUploadedFile:
        content = docx(reading)
        return SimpleUploadedFile(
            f"{reading[0].split('：')[-1]}.docx",
            content,
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )

    def _persona_orgs(self) -> set[int]:
        found = {self.secretary2_org.pk} if self.secretary2_org else set()
        return found | ({self.courier.home_org_id} if self.courier else set())

    def _replies(self, session: Session, accepted: float, declined: float, personas: bool = True) -> list[Invitation]:
        """Each invited organisation accepts, declines or has not answered yet; the personas'
        organisations accept (`personas`) or are left to answer themselves. Returns the accepted."""
        chosen, persona_orgs = [], self._persona_orgs()
        invitations = session.invitations.select_related("organization", "session__chain__lead").order_by("pk")
        for invitation in invitations:
            roll = self.rng.random()
            if invitation.organization_id in persona_orgs:
                if personas:
                    services.reply(self.admin, invitation, True)
                    chosen.append(invitation)
            elif roll < accepted:
                services.reply(self.admin, invitation, True)
                chosen.append(invitation)
            elif roll < accepted + declined:
                services.reply(self.admin, invitation, False)
        return chosen

    def _held(self, session: Session, courier_attends: bool) -> None:
        """Most invited organisations came, each with a few of its members, named."""
        courier = self.courier.pk if self.courier else None
        for invitation in self._replies(session, accepted=0.8, declined=0.1):
            people = [pk for pk in self.members.get(invitation.organization_id, []) if pk != courier]
            present = (
                {courier} if courier_attends and courier in self.members.get(invitation.organization_id, []) else set()
            )
            if people:  # a few from each: the small organisations send some of their members
                count = min(MOST_FROM_ONE, max(1, round(len(people) * self.rng.uniform(0.08, 0.3))))
                present |= set(self.rng.sample(people, min(count, len(people))))
            if present:
                services.set_attendance(self.admin, invitation, present, present)
