"""Attachments of the minutes: which files are taken, told by their first bytes, not by the name
or the content type the browser claims."""

import io
import zipfile
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
# Shown in the browser; the Office files are downloaded.
INLINE = frozenset({"pdf", "jpg", "png"})
# The part an Office Open XML package must hold to be that kind of document.
OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def sniff(head: bytes, upload) -> str | None:
    """The kind of file by its magic bytes, or None when it is none of the accepted kinds."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    return None


def _office_kind(upload) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(io.BytesIO(upload.read())) as package:
            names = set(package.namelist())
    except zipfile.BadZipFile:
        return None
    for kind, part in OFFICE_PARTS.items():
        if part in names:
            return kind
    return None


def check_upload(upload) -> str:
    """The extension the file is stored under, or ValidationError with a message for the user."""
    if upload.size > MAX_BYTES:
        raise ValidationError({"file": [_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}]})
    if upload.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    upload.seek(0)
    kind = sniff(upload.read(8), upload)
    if kind is None:
        raise ValidationError({"file": [_("Attach a PDF, Word (.docx), Excel (.xlsx), JPEG or PNG file.")]})
    return kind


def display_name(name: str, kind: str) -> str:
    """The uploaded name without any folder, ending in the extension of what the file really is."""
    stem = PurePath(name.replace("\\", "/")).stem.strip()[:180] or _("attachment")
    return f"{stem}.{kind}"


def kind_of(stored_name: str) -> str:
    return PurePath(stored_name).suffix.lstrip(".").lower()
