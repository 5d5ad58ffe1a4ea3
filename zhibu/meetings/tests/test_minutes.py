"""Minutes and their attachments: size and magic bytes checked, stored under MEDIA_ROOT, served
only to those who may see the meeting."""

import io
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhibu.meetings import files, services
from zhibu.meetings.models import Minutes, MinutesAttachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(part, "<x/>")
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "data", "stored"),
    [
        ("签到表.pdf", b"%PDF-1.7\n...", "pdf"),
        ("照片.JPG", b"\xff\xd8\xff\xe0" + b"\0" * 20, "jpg"),
        ("照片.png", PNG, "png"),
        ("记录.docx", office("word/document.xml"), "docx"),
        ("名单.xlsx", office("xl/workbook.xml"), "xlsx"),
        ("misnamed.pdf", PNG, "png"),  # told by the bytes, not by the name
    ],
)
def test_accepted_files_are_stored_under_media_root(world, assembly, name, data, stored):
    attachment = services.add_attachment(world.root_user, assembly, upload(name, data))
    assert attachment.name.endswith(f".{stored}") and attachment.size == len(data)
    path = (settings.MEDIA_ROOT / attachment.file.name).resolve()
    assert path.is_file() and path.is_relative_to(settings.MEDIA_ROOT) and path.read_bytes() == data


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("script.pdf", b"<script>alert(1)</script>"),
        ("archive.docx", office("other/thing.xml")),  # a zip, but no Office document
        ("empty.pdf", b""),
    ],
)
def test_other_files_are_refused(world, assembly, name, data):
    with pytest.raises(ValidationError):
        services.add_attachment(world.root_user, assembly, upload(name, data, "application/pdf"))
    assert not MinutesAttachment.objects.exists()


def test_files_over_the_limit_are_refused(world, assembly, monkeypatch):
    monkeypatch.setattr(files, "MAX_BYTES", 1024)
    with pytest.raises(ValidationError, match="超过"):
        services.add_attachment(world.root_user, assembly, upload("big.pdf", b"%PDF-" + b"0" * 2000))


def test_the_secretary_writes_minutes_and_attaches_a_file_through_the_page(world, assembly, as_persona):
    client = as_persona("secretary")
    url = reverse("meetings:minutes", args=[assembly.pk])
    assert client.post(url, {"text": "  "}).status_code == 200 and not Minutes.objects.exists()
    assert client.post(url, {"text": "学习了党章。"}).status_code == 302
    assert Minutes.objects.get(meeting=assembly).text == "学习了党章。"
    refused = client.post(url, {"part": "attachment", "file": upload("x.pdf", b"MZ\x90\x00")})
    assert "Attach a PDF" in refused.content.decode()
    assert client.post(url, {"part": "attachment", "file": upload("签到表.pdf", b"%PDF-1.4")}).status_code == 302
    detail = client.get(reverse("meetings:detail", args=[assembly.pk])).content.decode()
    assert "学习了党章。" in detail and "签到表.pdf" in detail


def test_attachments_are_served_to_readers_of_the_meeting_only(world, assembly, as_persona):
    attachment = services.add_attachment(world.root_user, assembly, upload("签到表.pdf", b"%PDF-1.4 sheet"))
    url = reverse("meetings:attachment", args=[attachment.pk])
    response = as_persona("city").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 sheet"
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert as_persona("secretary2").get(url).status_code == 404
    assert as_persona("courier").get(url).status_code == 404


def test_removing_an_attachment_deletes_the_file_once_committed(
    world, assembly, as_persona, django_capture_on_commit_callbacks
):
    attachment = services.add_attachment(world.root_user, assembly, upload("a.png", PNG))
    path = settings.MEDIA_ROOT / attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        as_persona("secretary").post(reverse("meetings:attachment_delete", args=[attachment.pk]))
    assert not MinutesAttachment.objects.exists() and not path.exists()
