"""This app's shared records for the scope matrix (zhibu/core/tests/test_scope_matrix.py), and the
cases of lesson media and attachments.

Company-a publishes "安全生产十讲" to its subtree: branch-a1 (the secretary's) and mobile-a (the
cadre's and the courier's) are below it, branch-b1 (secretary2's) and the industry's station staff
are not. Its first chapter holds an audio lesson with a PDF handout and a text lesson. Branch-a1
also keeps an unpublished draft, "A1 草稿课程", which only its readers see. The courses', the
player's and the plans' cases (matrix_courses, matrix_player, matrix_plans) use these records."""

from zhibu.core.tests.matrix import Case

COMPANY_A_READERS = {"admin", "city", "industry"}
# Members and staff of company-a's subtree, and the readers above it.
LEARNERS = COMPANY_A_READERS | {"secretary", "cadre", "courier"}

# MPEG-1 Layer III frames of silence, 417 bytes and 1152 samples at 44.1 kHz each (about 26 ms).
MP3_FRAME = bytes([0xFF, 0xFB, 0x90, 0xC0]) + bytes(417 - 4)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def mp3_upload(seconds: int = 60, name: str = "讲座.mp3"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    frames = seconds * 44100 // 1152 + 1
    return SimpleUploadedFile(name, MP3_FRAME * frames, content_type="audio/mpeg")


def pdf_upload(name: str = "讲义.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


CASES: dict[str, Case] = {
    "learning:media": Case(args=lambda w: [w.audio_lesson.pk], allowed=LEARNERS),
    "learning:attachment": Case(args=lambda w: [w.handout.pk], allowed=LEARNERS),
}


def prepare(world) -> None:
    from zhibu.learning import services
    from zhibu.learning.models import LessonKind, Tag

    admin = world.root_user
    # get_or_create: a transactional test before this one may have flushed the migration's tags.
    safety, _ = Tag.objects.get_or_create(name="安全生产")
    world.course = services.create_course(
        admin,
        services.CourseInput(world.company_a, "安全生产十讲", "每讲十分钟", [safety]),
    )
    world.chapter = services.create_chapter(admin, world.course, "第一章 交通安全")
    world.audio_lesson = services.create_lesson(
        admin, world.chapter, services.LessonInput("第一讲 电动车安全", LessonKind.AUDIO, upload=mp3_upload())
    )
    world.handout = services.add_attachment(admin, world.audio_lesson, pdf_upload())
    world.text_lesson = services.create_lesson(
        admin, world.chapter, services.LessonInput("第二讲 夜间配送", LessonKind.TEXT, body="<p>开灯，慢行。</p>")
    )
    services.publish(admin, world.course)
    world.draft = services.create_course(admin, services.CourseInput(world.branch_a1, "A1 草稿课程"))
    world.draft_chapter = services.create_chapter(admin, world.draft, "草稿章节")
    world.draft_lesson = services.create_lesson(
        admin, world.draft_chapter, services.LessonInput("草稿课", LessonKind.TEXT, body="<p>草稿</p>")
    )
