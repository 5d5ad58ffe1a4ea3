"""Lesson media: which files are taken, told by their first bytes and never by the name or the
content type the browser claims; the duration of audio, read from the file; and serving media with
HTTP Range requests, so that a phone can seek in a lesson and resume a download."""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import mutagen
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

AUDIO_TYPES = frozenset({"audio/mpeg", "audio/mp4"})
VIDEO_TYPES = frozenset({"video/mp4", "video/webm"})
ATTACHMENT_TYPES = frozenset({"application/pdf"})
# How a media type is named to the user, in the order the names are listed.
LABELS = {
    "audio/mpeg": "MP3",
    "audio/mp4": "M4A",
    "video/mp4": "MP4",
    "video/webm": "WebM",
    "application/pdf": "PDF",
}
# Bytes read to tell the type: enough for the ftyp box and, in a "fast start" MP4, the track handlers.
HEAD_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024

_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A "})
_ISO_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"MSNV"}
)
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def max_media_bytes() -> int:
    return settings.ZHIBU_LEARNING_MAX_MEDIA_MB * 1024 * 1024


def sniff(head: bytes) -> str | None:
    """The media type the first bytes of a file tell, or None when they tell none of the accepted ones."""
    if head.startswith(b"ID3") or _mpeg_frame(head):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        return _iso_type(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML; a WebM file names its doc type (element 0x4282) in the header, plain Matroska is not taken.
        doc_type = head.find(b"\x42\x82", 4, 64)
        return "video/webm" if doc_type != -1 and b"webm" in head[doc_type + 2 : doc_type + 12] else None
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG audio frame header: sync, then no reserved version (01) or layer (00, also ADTS AAC,
    not taken), and a valid bitrate and sampling rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    sampling = (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate not in (0b0000, 0b1111) and sampling != 0b11


def _iso_type(head: bytes) -> str | None:
    """audio/mp4 or video/mp4 from the ftyp box's brands and, when they do not say, from the track
    handlers found in the head (a video handler makes it video)."""
    box_size = int.from_bytes(head[0:4], "big")
    if box_size < 16:
        return None
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    if brands & _AUDIO_BRANDS:
        return "audio/mp4"
    if not brands & _ISO_BRANDS:
        return None
    # After the "hdlr" tag: version and flags, pre_defined, then the handler type.
    handlers = {head[i + 12 : i + 16] for i in _find_all(head, b"hdlr")}
    if b"soun" in handlers and b"vide" not in handlers:
        return "audio/mp4"
    return "video/mp4"


def _find_all(data: bytes, tag: bytes) -> Iterator[int]:
    """Offsets of every `tag` in `data`."""
    i = data.find(tag)
    while i != -1:
        yield i
        i = data.find(tag, i + 1)


def _size_of(file) -> int:
    size = getattr(file, "size", None)
    if size is not None:
        return size
    position = file.tell()
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(position)
    return size


def check_upload(file, allowed: set[str] | frozenset[str], max_bytes: int | None = None) -> str:
    """The media type of an uploaded file, told by its bytes, or ValidationError with a message for
    the user: the file is empty, larger than `max_bytes` (ZHIBU_LEARNING_MAX_MEDIA_MB by default) or
    of a type not in `allowed`, whatever its name says."""
    if max_bytes is None:
        max_bytes = max_media_bytes()
    size = _size_of(file)
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.") % {"mb": f"{max_bytes / (1024 * 1024):g}"}, code="too_large"
        )
    file.seek(0)
    media_type = sniff(file.read(HEAD_BYTES))
    file.seek(0)
    if media_type not in allowed:
        names = ", ".join(label for kind, label in LABELS.items() if kind in allowed)
        raise ValidationError(_("Upload a file of one of these types: %(types)s.") % {"types": names}, code="type")
    return media_type


def duration_seconds(path: str | os.PathLike) -> int:
    """The length of an MP3 or M4A file in whole seconds, read from the file with mutagen, or
    ValidationError when the file cannot be read as audio."""
    try:
        audio = mutagen.File(path, options=[MP3, MP4])
    except (mutagen.MutagenError, OSError, ValueError) as exc:
        raise ValidationError(_("The file cannot be read as audio."), code="not_audio") from exc
    length = getattr(getattr(audio, "info", None), "length", 0) or 0
    if length <= 0:
        raise ValidationError(_("The file cannot be read as audio."), code="not_audio")
    return round(length)


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=` range, the last clamped to the size (RFC 9110 §14.1.2),
    or None when the header is malformed, asks for several ranges or cannot be satisfied."""
    match = _RANGE.fullmatch(header.strip())
    if match is None or size == 0:
        return None
    first, last = match.groups()
    if first:
        start = int(first)
        end = int(last) if last else size - 1
        if end < start or start >= size:
            return None
        return start, min(end, size - 1)
    if not last or int(last) == 0:
        return None
    return max(0, size - int(last)), size - 1


class _FileRange:
    """`length` bytes of a file from `start`, read in chunks; the response closes the file when it is
    done, whether or not the body was read."""

    def __init__(self, fileobj: BinaryIO, start: int, length: int):
        self.fileobj, self.start, self.length = fileobj, start, length

    def __iter__(self) -> Iterator[bytes]:
        self.fileobj.seek(self.start)
        remaining = self.length
        while remaining > 0:
            chunk = self.fileobj.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk

    def close(self) -> None:
        self.fileobj.close()


def ranged_response(
    request: HttpRequest, file: str | os.PathLike | BinaryIO, size: int, content_type: str
) -> HttpResponse | StreamingHttpResponse:
    """Serve `size` bytes of `file` (a path, or a binary file object that the response closes),
    streamed in chunks: all of it (200) without a Range header, the one range asked for (206), or
    416 with `Content-Range: bytes */size` for a malformed, multiple or unsatisfiable range."""
    header = request.headers.get("Range")
    if header is None:
        start, end, status = 0, size - 1, 200
    else:
        byte_range = _byte_range(header, size)
        if byte_range is None:
            if not isinstance(file, str | os.PathLike):
                file.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            response["Accept-Ranges"] = "bytes"
            return response
        (start, end), status = byte_range, 206
    length = end - start + 1
    if request.method == "HEAD":
        if not isinstance(file, str | os.PathLike):
            file.close()
        response = HttpResponse(status=status, content_type=content_type)
    else:
        # Closed through _FileRange.close when the response is closed.
        fileobj = Path(file).open("rb") if isinstance(file, str | os.PathLike) else file  # noqa: SIM115
        response = StreamingHttpResponse(_FileRange(fileobj, start, length), status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
