"""Demo learning (学习), through the audited services: courses whose audio lessons are Chinese speech
the project's own tooling made (zhibu/demo/speech.py) from text written for this project, so that
nothing copyrighted is committed or downloaded:

- the platform-wide library's "随身听" course of party basics, three audio lessons;
- the express-industry committee's safety course for couriers, three audio lessons, a text lesson
  on labour law and a PDF handout;
- the courier's company's course for mobile members, two audio lessons and a text lesson;
- a draft of the secretary's branch, not yet published.

The courier's company tailors three plans to its work roles: its leadership team leads the study of
the library course (领学), cadres and staff study it together with the company's own (共学), front-line
staff study the safety course and the company's on their own (自学); the secretary's branch has its
own plan for all its members. Members have studied their plan:
many finished its first lessons at times of their own over the last weeks, fewer the later ones; the
courier persona finished the first lesson and stopped part-way through the second, where the player
picks up.
"""

import datetime
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhibu.accounts.models import RoleGrant, User
from zhibu.demo import speech
from zhibu.demo.contests import DemoMember
from zhibu.learning import queries, services
from zhibu.learning import services_plans as plans
from zhibu.learning.models import Course, Lesson, LessonKind, PlanMode, Tag
from zhibu.registry.choices import OrganizationKind, Standing, WorkRole
from zhibu.registry.models import Member, Organization

# Share of the company's members who finished each lesson, in the order of the lessons studied.
FINISHED_SHARES = (0.55, 0.4, 0.3, 0.2, 0.12)
PLAN_STARTED_DAYS_AGO = 40
PLAN_DUE_IN_DAYS = 30
COURIER_STOPPED_AT = 0.4  # of the second lesson of the courier's plan


# (title, summary, tags, chapters: (title, lessons: (kind, title, text)))
LIBRARY = (
    "随身听·党的基本知识",
    "等装车、等取件的时候听一讲，每讲一两分钟。",
    ("主题教育", "党史"),
    (
        (
            "第一章 初心",
            (
                (
                    LessonKind.AUDIO,
                    "第一讲 入党为了什么",
                    "同志们好。入党为了什么，是每一名党员都要常常问自己的问题。"
                    "对在路上奔波的快递员来说，答案就在每天的工作里：把一件件包裹按时送到，"
                    "把群众的小事当成自己的事，遇到困难的时候站出来。"
                    "党员的身份不是一个称号，而是一份承诺。今天听完这一讲，"
                    "请你想一想：这个月，我为身边的人做了哪一件实事？",
                ),
                (
                    LessonKind.AUDIO,
                    "第二讲 党员的权利和义务",
                    "党员既有义务，也有权利。学习、参加组织生活、按时交纳党费、"
                    "密切联系群众，这些是义务；参加党的有关会议、在党的会议上发表意见、"
                    "向党组织提出建议和批评，这些是权利。"
                    "流动党员虽然常常不在原来的支部身边，权利和义务一样不少。"
                    "到了新的地方，主动找到流动党员党支部或者党群服务站，"
                    "说一声我是党员，组织就在你身边。",
                ),
            ),
        ),
        (
            "第二章 组织生活",
            (
                (
                    LessonKind.AUDIO,
                    "第三讲 组织生活不走形式",
                    "组织生活贵在实在。一次支部会，不在于开多长时间，"
                    "而在于把大家关心的问题说清楚、把该办的事情办起来。"
                    "快递员时间零碎，支部可以选在早班会前后、午间休息的时候，"
                    "也可以在驿站里开。不要求每天打卡，也不计算在线时长，"
                    "学了什么、做了什么，才是最要紧的。",
                ),
            ),
        ),
    ),
)

SAFETY = (
    "快递小哥安全十分钟",
    "行业党委为一线快递员编写的安全常识，每讲三分钟以内。",
    ("安全生产", "业务技能", "法律"),
    (
        (
            "第一章 路上安全",
            (
                (
                    LessonKind.AUDIO,
                    "第一讲 电动车骑行安全",
                    "电动车是快递员每天离不开的工具。请记住三句话：不逆行，不闯红灯，不超载。"
                    "赶时间的时候最容易出事，少送一件不要紧，平安到家最要紧。"
                    "每天出车前看一看刹车、灯光和轮胎，下雨天放慢速度，"
                    "夜里穿上反光背心。党员要带头做到，也要提醒身边的工友。",
                ),
                (
                    LessonKind.AUDIO,
                    "第二讲 暴雨和高温天气",
                    "遇到暴雨，不要涉水骑行，积水深的路段绕开走；雷雨的时候不在大树和广告牌下停留。"
                    "高温天气，随身带水，中午尽量找阴凉处休息，感到头晕恶心要马上停下来。"
                    "附近的党群服务站和爱心驿站可以歇脚、喝水、给电动车充电，"
                    "在地图上就能找到离你最近的一个。",
                ),
            ),
        ),
        (
            "第二章 站点安全",
            (
                (
                    LessonKind.AUDIO,
                    "第三讲 分拣场地防火",
                    "分拣场地纸箱多、包装多，一旦着火蔓延很快。"
                    "电动车和电池不要在场地里和楼道里充电，通道要保持畅通，灭火器要放在显眼的地方。"
                    "发现隐患及时报告站长，也可以用随手拍反映给有关部门。"
                    "每个月组织一次自查，把发现的问题和整改情况记下来。",
                ),
                (
                    LessonKind.TEXT,
                    "第四讲 劳动合同和工伤保险",
                    "<h3>签合同，看清楚</h3>"
                    "<p>入职时要签订书面劳动合同，看清楚工作内容、工作时间、劳动报酬和社会保险。"
                    "合同一式两份，自己要留一份。</p>"
                    "<h3>受了伤，怎么办</h3>"
                    "<ol><li>先就医，保存好病历和票据；</li>"
                    "<li>及时告诉站点和公司，请公司申请工伤认定；</li>"
                    "<li>公司不申请的，本人或者近亲属也可以申请。</li></ol>"
                    "<p>遇到不明白的问题，可以到党群服务站问一问，也可以在“诉求”里提出来。</p>",
                ),
            ),
        ),
    ),
)

COMPANY = (
    "流动党员在路上",
    "公司党委为流动党员准备的学习内容：身份亮出来，作用发挥出来。",
    ("主题教育", "业务技能"),
    (
        (
            "第一章 亮身份",
            (
                (
                    LessonKind.AUDIO,
                    "第一讲 流动党员怎样亮身份",
                    "流动党员走到哪里，党员的身份就带到哪里。"
                    "在工牌上佩戴党员标识，在网点设立党员先锋岗，"
                    "群众有困难的时候，说一声我是党员，我来帮你。"
                    "每到一个新的城市，记得在系统里报到，和流动党员党支部保持联系。",
                ),
                (
                    LessonKind.AUDIO,
                    "第二讲 驿站里的先锋岗",
                    "不少驿站设了党员先锋岗：帮老人取件送件上楼，帮小区收集群众反映的问题，"
                    "把找不到收件人的包裹妥善保管。事情不大，群众看在眼里。"
                    "每个月在支部会上说一说，做了哪些事，还有哪些事没有办好。",
                ),
                (
                    LessonKind.TEXT,
                    "第三讲 学习心得怎么写",
                    "<p>心得不求长，三句话就够：</p>"
                    "<ul><li>我学到了什么；</li><li>和我的工作有什么关系；</li><li>接下来我打算做哪一件事。</li></ul>"
                    "<p>写好后可以在支部会上交流，不用每天提交，也不评比字数。</p>",
                ),
            ),
        ),
    ),
)

HANDOUT_HTML = (
    "<html><head><meta charset='utf-8'><style>body{font-family:'Noto Sans CJK SC',sans-serif;font-size:12pt}"
    "</style></head><body><h1>快递员安全提示卡</h1><ol>"
    "<li>不逆行，不闯红灯，不超载。</li><li>出车前检查刹车、灯光和轮胎。</li>"
    "<li>电动车和电池不进楼道、不在分拣场地充电。</li><li>暴雨不涉水，高温多喝水、勤休息。</li>"
    "<li>发现隐患及时报告，也可以用随手拍反映。</li></ol></body></html>"
)


def handout_pdf() -> bytes:
    import weasyprint

    return weasyprint.HTML(string=HANDOUT_HTML).write_pdf()


class LearningDemo:
    def __init__(self, admin, seed: str):
        self.admin = admin
        self.rng = random.Random(f"{seed}:learning")
        self.now = timezone.now()
        self.tags = {tag.name: tag for tag in Tag.objects.all()}
        self.industry = Organization.objects.filter(kind=OrganizationKind.INDUSTRY_COMMITTEE).order_by("path").first()
        courier = User.objects.filter(username="courier").select_related("member__home_org").first()
        self.courier = courier.member if courier and courier.member_id else None
        grant = RoleGrant.objects.filter(user__username="secretary").select_related("organization").first()
        self.secretary_branch = grant.organization if grant else None

    def build(self) -> int:
        if self.industry is None or self.courier is None:
            return 0
        if not speech.available():
            print("espeak-ng is not installed: the demo courses are left out (apt-get install espeak-ng)")
            return 0
        company = Organization.objects.get(path=self.courier.home_org.path[: -Organization.steplen])
        library = self._course(None, LIBRARY)
        safety = self._course(self.industry, SAFETY)
        services.add_attachment(
            self.admin,
            Lesson.objects.filter(chapter__course=safety).order_by("chapter__position", "position").first(),
            SimpleUploadedFile("快递员安全提示卡.pdf", handout_pdf(), content_type="application/pdf"),
        )
        own = self._course(company, COMPANY)
        for course in (library, safety, own):
            services.publish(self.admin, course)
        if self.secretary_branch is not None:
            draft = services.create_course(
                self.admin, services.CourseInput(self.secretary_branch, "支部书记工作手册（草稿）", "编写中。")
            )
            chapter = services.create_chapter(self.admin, draft, "第一章 支部工作的基本程序")
            services.create_lesson(
                self.admin,
                chapter,
                services.LessonInput("三会一课怎样安排", LessonKind.TEXT, body="<p>（草稿）按季度排好计划。</p>"),
            )
        self._study(company, self._plans(company, library, safety, own))
        return Course.objects.count()

    def _course(self, organization, spec) -> Course:
        title, summary, tag_names, chapters = spec
        course = services.create_course(
            self.admin,
            services.CourseInput(organization, title, summary, [self.tags[name] for name in tag_names]),
        )
        for chapter_title, lessons in chapters:
            chapter = services.create_chapter(self.admin, course, chapter_title)
            for kind, lesson_title, text in lessons:
                services.create_lesson(self.admin, chapter, self._lesson_input(kind, lesson_title, text))
        return course

    def _lesson_input(self, kind: str, title: str, text: str) -> services.LessonInput:
        if kind == LessonKind.TEXT:
            return services.LessonInput(title, kind, body=text)
        sound = SimpleUploadedFile(f"{title}.mp3", speech.mp3(text), content_type="audio/mpeg")
        return services.LessonInput(title, kind, body=f"<p>{text}</p>", upload=sound)

    def _plans(self, company: Organization, library: Course, safety: Course, own: Course) -> dict[str, list[Course]]:
        """The company's plans for its three work roles; returns the courses of each role's plan."""
        today = timezone.localdate()
        starts, due = (
            today - datetime.timedelta(days=PLAN_STARTED_DAYS_AGO),
            today + datetime.timedelta(days=PLAN_DUE_IN_DAYS),
        )
        by_role = {}
        for role, mode, title, courses in (
            (WorkRole.LEADERSHIP, PlanMode.LEAD, "班子成员领学：党的基本知识", [library]),
            (WorkRole.STAFF, PlanMode.TOGETHER, "干部员工共学：党的基本知识和流动党员工作", [library, own]),
            (WorkRole.FRONTLINE, PlanMode.SELF, "一线员工自学：安全十分钟和流动党员在路上", [safety, own]),
        ):
            data = plans.PlanInput(company, title, company, starts, due, courses, mode=mode, work_role=role)
            plans.create_plan(self.admin, data)
            by_role[role] = courses
        if self.secretary_branch is not None:
            # The secretary's branch's own plan for all its members, whatever their role.
            title = "支部党员学习计划：党的基本知识和安全十分钟"
            data = plans.PlanInput(self.secretary_branch, title, self.secretary_branch, starts, due, [library, safety])
            plans.create_plan(self.admin, data)
        return by_role

    def _study(self, company: Organization, plan_courses: dict[str, list[Course]]) -> None:
        """Each member of the company works through the lessons of their role's plan in order and
        stops somewhere."""
        lessons = {role: self._lessons_of(courses) for role, courses in plan_courses.items()}
        members = Member.objects.filter(home_org__path__startswith=company.path, standing=Standing.NORMAL)
        for member_id, name, role in (
            members.exclude(pk=self.courier.pk).order_by("pk").values_list("pk", "name", "work_role")
        ):
            actor = DemoMember(member_id, name)
            draw = self.rng.random()
            day = self.now - datetime.timedelta(days=self.rng.uniform(1, PLAN_STARTED_DAYS_AGO))
            for lesson, share in zip(lessons.get(role, []), FINISHED_SHARES, strict=False):
                if draw >= share:
                    break
                self._finish(actor, lesson, day)
                day += datetime.timedelta(hours=self.rng.uniform(2, 30))
        self._courier(lessons[self.courier.work_role or WorkRole.FRONTLINE])

    @staticmethod
    def _lessons_of(courses: list[Course]) -> list[Lesson]:
        return [lesson for course in courses for lesson in queries.ordered_lessons(course)]

    def _finish(self, actor, lesson: Lesson, at: datetime.datetime) -> None:
        at = min(at, self.now)
        position = float(lesson.duration_seconds)
        services.record_progress(actor, lesson, services.Report(position, at, done=True))

    def _courier(self, lessons: list[Lesson]) -> None:
        actor = DemoMember(self.courier.pk, self.courier.name)
        first, second = lessons[0], lessons[1]
        self._finish(actor, first, self.now - datetime.timedelta(days=2))
        stopped = round(second.duration_seconds * COURIER_STOPPED_AT)
        services.record_progress(
            actor, second, services.Report(float(stopped), self.now - datetime.timedelta(hours=20))
        )
