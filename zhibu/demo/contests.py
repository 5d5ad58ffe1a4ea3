"""Demo knowledge contests (知识竞赛), through the audited services:

- the express-industry committee's question bank of party knowledge and courier safety, written for
  this project (no copied material), imported from a spreadsheet like any branch's bank;
- its contest of two months ago, which many members took at times of their own inside its window
  (each attempt started and handed in through the services, with those past times, well within
  the time limit), with better and worse branches;
- its contest open now, which some members have taken and the courier persona can take.

Members act through `DemoMember`, an actor that stands for a member's own account (the demo gives
accounts only to the personas): the services check the window, the deadline and the attempts for
it as for anyone.
"""

import datetime
import io
import random
from dataclasses import dataclass, field

import xlsxwriter
from django.utils import timezone

from zhibu.accounts.models import User
from zhibu.contests import services
from zhibu.contests.models import Attempt
from zhibu.core.scope import Scope
from zhibu.registry.choices import OrganizationKind, Standing
from zhibu.registry.models import Member, Organization

PAST_PARTICIPANTS = 160
OPEN_PARTICIPANTS = 25
HEADERS = ("题型", "题目", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "标签")

# (type, question, options A–D, answer, explanation, tags)
QUESTIONS = (
    (
        "单选",
        "中国共产党成立于哪一年？",
        ("1919年", "1921年", "1927年", "1949年"),
        "B",
        "1921年7月，党的第一次全国代表大会召开，宣告中国共产党成立。",
        "党史",
    ),
    (
        "单选",
        "中国共产党的根本宗旨是什么？",
        ("全心全意为人民服务", "发展经济", "科技创新", "对外开放"),
        "A",
        "",
        "党的知识",
    ),
    (
        "单选",
        "党的最高领导机关是什么？",
        ("党的全国代表大会和它所产生的中央委员会", "中央纪律检查委员会", "国务院", "全国人民代表大会"),
        "A",
        "",
        "党的知识",
    ),
    (
        "单选",
        "预备党员的预备期是多长时间？",
        ("半年", "一年", "两年", "三年"),
        "B",
        "预备期从支部大会通过其为预备党员之日算起。",
        "党的知识",
    ),
    ("单选", "申请入党的人应当年满多少周岁？", ("十六周岁", "十七周岁", "十八周岁", "二十周岁"), "C", "", "党的知识"),
    (
        "单选",
        "党徽的图案由什么组成？",
        ("镰刀和锤头", "五角星和麦穗", "齿轮和麦穗", "天安门和五星"),
        "A",
        "",
        "党的知识",
    ),
    ("单选", "“三会一课”中的“一课”指的是什么？", ("党课", "业务培训课", "安全课", "法律课"), "A", "", "组织生活"),
    (
        "单选",
        "有正式党员三人以上的单位，应当成立什么？",
        ("党小组", "党的基层组织", "工会", "志愿服务队"),
        "B",
        "党支部是党的基础组织。",
        "组织生活",
    ),
    (
        "多选",
        "“三会一课”中的“三会”包括哪些？",
        ("支部党员大会", "支部委员会会议", "党小组会", "职工代表大会"),
        "ABC",
        "",
        "组织生活",
    ),
    (
        "多选",
        "下列哪些属于党员应当做到的？",
        ("认真学习，提高为人民服务的本领", "自觉遵守党的纪律", "密切联系群众", "只顾个人利益"),
        "ABC",
        "",
        "党的知识",
    ),
    (
        "多选",
        "发展党员依次经过哪些阶段？",
        ("入党积极分子", "发展对象", "预备党员", "荣誉会员"),
        "ABC",
        "预备期满、经支部大会讨论通过后转为正式党员。",
        "党的知识",
    ),
    ("判断", "主题党日一般每月固定一天开展。", (), "对", "", "组织生活"),
    (
        "判断",
        "流动党员外出期间可以不参加任何党组织的组织生活。",
        (),
        "错",
        "流动党员应当参加流入地或原党组织的组织生活。",
        "组织生活",
    ),
    ("判断", "党员应当按期交纳党费。", (), "对", "", "党的知识"),
    ("判断", "党员外出流动时，应当主动与党组织保持联系。", (), "对", "", "组织生活"),
    ("判断", "送件途中遇到群众求助，党员快递员应当力所能及地提供帮助。", (), "对", "", "党的知识"),
    (
        "单选",
        "骑电动车送件时，下列做法正确的是？",
        ("佩戴安全头盔", "边骑车边看手机", "逆行抄近路", "车上堆放超高快件"),
        "A",
        "",
        "交通安全",
    ),
    (
        "单选",
        "路口遇到红灯时应当怎么做？",
        ("停车等待", "看没车就闯过去", "从人行道绕过去", "加速通过"),
        "A",
        "",
        "交通安全",
    ),
    (
        "单选",
        "雨雪天气骑车送件应当怎么做？",
        ("降低车速，保持车距", "加速赶时间", "一手打伞一手骑车", "关闭车灯省电"),
        "A",
        "",
        "交通安全",
    ),
    (
        "单选",
        "电动车或电池起火时，首先应当怎么做？",
        ("迅速远离并拨打119", "继续骑行到目的地", "先把快件搬下来", "拍照发给同事"),
        "A",
        "",
        "安全生产",
    ),
    ("单选", "发生碰撞时，最能保护快递员头部的是？", ("安全头盔", "棒球帽", "耳机", "墨镜"), "A", "", "交通安全"),
    (
        "单选",
        "收寄时发现疑似违禁物品，应当怎么做？",
        ("拒绝收寄并按规定报告", "照常收寄", "自行打开处理", "转给其他网点"),
        "A",
        "",
        "业务技能",
    ),
    (
        "多选",
        "电动车充电时，下列哪些做法正确？",
        ("使用合格的充电器", "不在楼道和室内充电", "充满后及时断电", "私自改装电池"),
        "ABC",
        "楼道和室内充电起火，烟气会堵住逃生通道。",
        "安全生产",
    ),
    (
        "多选",
        "夏季高温送件应当注意什么？",
        ("及时补充水分", "避开最热时段休息", "头晕恶心时停下休息", "连续工作不喝水"),
        "ABC",
        "",
        "安全生产",
    ),
    (
        "多选",
        "收寄快件时应当做到哪些？",
        ("核对寄件人身份", "当面验视内件", "不问内容直接封装", "按规定过机安检"),
        "ABD",
        "实名收寄、收寄验视、过机安检。",
        "业务技能",
    ),
    (
        "多选",
        "搬运重件时，下列哪些做法正确？",
        ("先蹲下，用腿部力量抬起", "超过能力时请人协助", "弯腰猛拉", "使用推车等工具"),
        "ABD",
        "",
        "安全生产",
    ),
    ("判断", "可以把电动车推进楼道或家中过夜充电。", (), "错", "", "安全生产"),
    (
        "判断",
        "快递员可以把收件人的姓名、电话和地址告诉他人。",
        (),
        "错",
        "收件人的信息属于个人信息，应当保护。",
        "业务技能",
    ),
    ("判断", "驿站为户外劳动者提供歇脚、饮水、充电等服务。", (), "对", "", "业务技能"),
    ("判断", "发现小区消防通道被堵，可以用“随手拍”向有关单位反映。", (), "对", "", "安全生产"),
    ("判断", "疲劳时继续长时间骑车送件不会影响安全。", (), "错", "", "交通安全"),
)


@dataclass(frozen=True)
class DemoMember:
    """A member taking part in the demo, standing for their own account (without a password)."""

    member_id: int
    audit_name: str
    scope: Scope = field(default_factory=Scope)
    pk: None = None
    is_authenticated: bool = False


def bank_file() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("题库")
    sheet.write_row(0, 0, HEADERS)
    for row, (kind, text, options, answer, explanation, tags) in enumerate(QUESTIONS, start=1):
        cells = (kind, text, *options, *[""] * (4 - len(options)), answer, explanation, tags)
        sheet.write_row(row, 0, cells)
    book.close()
    return buffer.getvalue()


class ContestsDemo:
    def __init__(self, admin, seed: str):
        self.admin = admin
        self.rng = random.Random(f"{seed}:contests")
        self.now = timezone.now()
        self.industry = Organization.objects.filter(kind=OrganizationKind.INDUSTRY_COMMITTEE).order_by("path").first()
        courier = User.objects.filter(username="courier").first()
        self.courier_member_id = courier.member_id if courier else None

    def build(self) -> int:
        if self.industry is None:
            return 0
        bank = services.create_bank(
            self.admin,
            services.BankInput(
                self.industry, "党的知识与快递安全题库", "本项目自编的党的基本知识和快递员安全常识题目。"
            ),
        )
        services.import_questions(self.admin, bank, bank_file(), "党的知识与快递安全题库.xlsx")
        members = list(
            Member.objects.filter(home_org__path__startswith=self.industry.path, standing=Standing.NORMAL)
            .select_related("home_org")
            .order_by("pk")
        )
        past = self._contest(
            bank,
            f"{(self.now - datetime.timedelta(days=60)).year}年快递行业党员知识竞赛",
            opens=self.now - datetime.timedelta(days=60),
            closes=self.now - datetime.timedelta(days=53),
            count=20,
            minutes=15,
        )
        self._take(past, self._sample(members, PAST_PARTICIPANTS, with_courier=True))
        current = self._contest(
            bank,
            "安全生产月知识答题",
            opens=self.now - datetime.timedelta(days=2),
            closes=self.now + datetime.timedelta(days=12),
            count=10,
            minutes=10,
            attempts=2,
        )
        self._take(current, self._sample(members, OPEN_PARTICIPANTS, with_courier=False))
        return Attempt.objects.count()

    def _contest(self, bank, title, opens, closes, count, minutes, attempts=1):
        data = services.ContestInput(
            organization=self.industry,
            title=title,
            description="以考促学：每次随机抽题，限时作答，多选题全部选对才得分。",
            banks=[bank],
            question_count=count,
            time_limit_minutes=minutes,
            opens_at=opens,
            closes_at=closes,
            max_attempts=attempts,
        )
        return services.create_contest(self.admin, data)

    def _sample(self, members: list[Member], size: int, with_courier: bool) -> list[Member]:
        """More take part from some branches than from others."""
        keen = {org: self.rng.random() for org in {member.home_org_id for member in members}}
        others = [m for m in members if m.pk != self.courier_member_id and self.rng.random() < keen[m.home_org_id]]
        picked = self.rng.sample(others, min(size, len(others)))
        if with_courier:
            picked += [m for m in members if m.pk == self.courier_member_id]
        return picked

    def _take(self, contest, members: list[Member]) -> None:
        latest_start = min(contest.closes_at, self.now) - contest.time_limit - datetime.timedelta(minutes=1)
        span = max(0, int((latest_start - contest.opens_at).total_seconds()))
        for member in members:
            actor = DemoMember(member.pk, f"demo: {member.name}")
            started = contest.opens_at + datetime.timedelta(seconds=self.rng.randint(0, span))
            attempt = services.start_attempt(actor, contest, now=started, rng=self.rng)
            skill = self.rng.uniform(0.45, 0.98)
            given = {}
            for answer in attempt.answers.select_related("question"):
                question = answer.question
                if self.rng.random() < skill:
                    given[answer.question_id] = question.correct
                else:
                    given[answer.question_id] = self.rng.choice(
                        sorted(question.allowed() - {question.correct}) or ["A"]
                    )
            taken = datetime.timedelta(seconds=self.rng.randint(120, int(contest.time_limit.total_seconds()) - 30))
            services.submit(actor, attempt, given, now=started + taken)
