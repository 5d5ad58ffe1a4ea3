"""Lesson media: types told by the bytes, upload limits, durations read from real files, and Range
requests served from real files on disk."""

import struct

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import translation

from zhibu.learning import media
from zhibu.learning.media import check_upload, duration_seconds, ranged_response, sniff

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono, no CRC, no padding: 144 * 128000 / 44100 = 417 bytes a
# frame, 1152 samples. Side information and main data all zero: each frame decodes to silence.
MP3_HEADER = bytes([0xFF, 0xFB, 0x90, 0xC0])
MP3_FRAME = MP3_HEADER + bytes(417 - 4)

# Closing a streamed response sends request_finished, which closes the database connections.
pytestmark = pytest.mark.django_db


def mp3_bytes(frames: int) -> bytes:
    return MP3_FRAME * frames


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    return box(b"ftyp", major + struct.pack(">I", 0) + b"".join(compatible))


def hdlr(handler: bytes) -> bytes:
    return box(b"hdlr", bytes(4) + bytes(4) + handler + bytes(12) + b"\x00")


def mdhd(timescale: int, duration: int) -> bytes:
    # version 0, flags, creation and modification times, timescale, duration, language, quality
    return box(b"mdhd", bytes(4) + bytes(8) + struct.pack(">II", timescale, duration) + bytes(4))


def iso_file(brand: bytes, *compatible: bytes, handlers: tuple[bytes, ...] = (), duration_s: int = 0) -> bytes:
    """An ISO base media file head: the ftyp box, then a moov box with one track per handler, each
    with its media header (the track's declared length) and handler boxes."""
    traks = b"".join(box(b"trak", box(b"mdia", mdhd(44100, duration_s * 44100) + hdlr(h))) for h in handlers)
    return ftyp(brand, *compatible) + (box(b"moov", traks) if handlers else b"")


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English: the Chinese catalogue comes later."""
    with translation.override("en"):
        yield


@pytest.fixture
def rf():
    return RequestFactory()


# --- sniffing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + MP3_FRAME, "audio/mpeg"),
        (MP3_FRAME, "audio/mpeg"),
        (bytes([0xFF, 0xF3, 0x64, 0xC4]), "audio/mpeg"),  # MPEG-2 Layer III
        (ftyp(b"M4A ", b"M4A ", b"isom", b"iso2"), "audio/mp4"),
        (ftyp(b"mp42", b"M4A ", b"mp42", b"isom"), "audio/mp4"),
        (iso_file(b"isom", b"isom", b"iso2", handlers=(b"soun",)), "audio/mp4"),
        (iso_file(b"mp42", b"mp42", b"isom", handlers=(b"vide", b"soun")), "video/mp4"),
        (ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video/mp4"),
        (ftyp(b"mp42", b"mp42", b"isom"), "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm\x42\x87\x81\x04", "video/webm"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    ],
)
def test_sniff_tells_the_type_by_the_bytes(head, expected):
    assert sniff(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        PNG,
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",  # JPEG
        bytes([0xFF, 0xF1, 0x50, 0x80]),  # ADTS AAC: layer bits 00
        bytes([0xFF, 0xFB, 0xF0, 0xC0]),  # bitrate index 1111
        bytes([0xFF, 0xFB, 0x9C, 0xC0]),  # sampling rate index 11
        b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska",  # Matroska, not WebM
        ftyp(b"qt  ", b"qt  "),  # QuickTime
        ftyp(b"heic", b"mif1", b"heic"),  # an image
        b"PK\x03\x04\x14\x00",
        b"ID",
        b"",
        b"Just some text.",
    ],
)
def test_sniff_refuses_other_bytes(head):
    assert sniff(head) is None


# --- uploads ------------------------------------------------------------------------------------


def test_png_named_mp3_is_refused():
    upload = SimpleUploadedFile("lesson.mp3", PNG, content_type="audio/mpeg")
    with pytest.raises(ValidationError) as caught:
        check_upload(upload, media.AUDIO_TYPES, 1024 * 1024)
    assert caught.value.code == "type"
    assert caught.value.messages == ["Upload a file of one of these types: MP3, M4A."]


def test_mp3_named_anything_is_taken_by_its_bytes():
    upload = SimpleUploadedFile("lesson.bin", mp3_bytes(10), content_type="application/octet-stream")
    assert check_upload(upload, media.AUDIO_TYPES, 1024 * 1024) == "audio/mpeg"
    assert upload.tell() == 0


def test_video_refused_where_only_audio_is_allowed():
    upload = SimpleUploadedFile("talk.mp3", ftyp(b"isom", b"isom", b"avc1"), content_type="audio/mpeg")
    with pytest.raises(ValidationError, match="MP3, M4A"):
        check_upload(upload, media.AUDIO_TYPES, 1024 * 1024)


def test_empty_file_is_refused():
    upload = SimpleUploadedFile("lesson.mp3", b"", content_type="audio/mpeg")
    with pytest.raises(ValidationError) as caught:
        check_upload(upload, media.AUDIO_TYPES, 1024 * 1024)
    assert caught.value.messages == ["The file is empty."]


def test_too_large_file_is_refused_naming_the_limit():
    upload = SimpleUploadedFile("lesson.mp3", mp3_bytes(3 * 1024 * 1024 // 417 + 1), content_type="audio/mpeg")
    with pytest.raises(ValidationError) as caught:
        check_upload(upload, media.AUDIO_TYPES, 3 * 1024 * 1024)
    assert caught.value.code == "too_large"
    assert caught.value.messages == ["The file is larger than 3 MB."]


def test_limit_defaults_to_the_setting(settings, tmp_path):
    settings.ZHIBU_LEARNING_MAX_MEDIA_MB = 1
    path = tmp_path / "big.mp3"
    path.write_bytes(mp3_bytes(1024 * 1024 // 417 + 1))
    with path.open("rb") as fileobj, pytest.raises(ValidationError, match="larger than 1 MB"):
        check_upload(fileobj, media.AUDIO_TYPES)
    path.write_bytes(mp3_bytes(100))
    with path.open("rb") as fileobj:
        assert check_upload(fileobj, media.AUDIO_TYPES) == "audio/mpeg"


def test_pdf_attachment_and_webm_video():
    pdf = SimpleUploadedFile("notes.pdf", b"%PDF-1.4\n1 0 obj\n", content_type="application/pdf")
    assert check_upload(pdf, media.ATTACHMENT_TYPES, 1024) == "application/pdf"
    with pytest.raises(ValidationError, match="MP4, WebM"):
        check_upload(pdf, media.VIDEO_TYPES, 1024)


# --- durations ----------------------------------------------------------------------------------


def test_duration_of_a_generated_mp3(tmp_path):
    frames = 383
    truth = frames * 1152 / 44100  # 10.005 s
    path = tmp_path / "silence.mp3"
    path.write_bytes(mp3_bytes(frames))
    assert abs(duration_seconds(path) - truth) <= 1
    assert duration_seconds(str(path)) == 10


def test_duration_of_a_generated_mp3_with_an_id3_tag(tmp_path):
    # An empty ID3v2.4 tag (size 0) in front of 60 s of frames.
    frames = round(60 * 44100 / 1152)
    path = tmp_path / "tagged.mp3"
    path.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + mp3_bytes(frames))
    assert abs(duration_seconds(path) - frames * 1152 / 44100) <= 1


def test_duration_declared_by_an_m4a_audio_track(tmp_path):
    # Only the container's headers: mutagen reads the audio track's declared length, it decodes nothing.
    path = tmp_path / "talk.m4a"
    path.write_bytes(iso_file(b"M4A ", b"M4A ", b"isom", handlers=(b"soun",), duration_s=95))
    assert sniff(path.read_bytes()) == "audio/mp4"
    assert duration_seconds(path) == 95


@pytest.mark.parametrize("content", [PNG, b"", b"not audio at all" * 100, b"%PDF-1.4\n"])
def test_duration_of_what_is_not_audio_is_refused(tmp_path, content):
    path = tmp_path / "lesson.mp3"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as caught:
        duration_seconds(path)
    assert caught.value.messages == ["The file cannot be read as audio."]


def test_duration_of_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ValidationError):
        duration_seconds(tmp_path / "gone.mp3")


# --- Range requests -----------------------------------------------------------------------------

SIZE = 3 * media.CHUNK_BYTES + 1234


@pytest.fixture
def served(tmp_path):
    """A real file on disk, larger than several chunks, every byte telling its position."""
    path = tmp_path / "lesson.mp3"
    data = bytes((i * 7 + i // 251) % 256 for i in range(SIZE))
    path.write_bytes(data)
    return path, data


def body(response) -> bytes:
    assert response.streaming
    chunks = list(response.streaming_content)
    response.close()
    assert all(len(chunk) <= media.CHUNK_BYTES for chunk in chunks)
    return b"".join(chunks)


def test_no_range_serves_the_whole_file(rf, served):
    path, data = served
    response = ranged_response(rf.get("/"), path, SIZE, "audio/mpeg")
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "audio/mpeg"
    assert "Content-Range" not in response
    chunks = list(response.streaming_content)
    response.close()
    assert len(chunks) == 4  # read in chunks, never the whole file at once
    assert b"".join(chunks) == data


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=0-99", 0, 99),
        ("bytes=100-70000", 100, 70000),
        (f"bytes=1000-{SIZE - 1}", 1000, SIZE - 1),
        (f"bytes=1000-{SIZE + 5000}", 1000, SIZE - 1),  # an end past the file is clamped
        ("bytes=65530-", 65530, SIZE - 1),
        (f"bytes={SIZE - 1}-", SIZE - 1, SIZE - 1),
        ("bytes=-500", SIZE - 500, SIZE - 1),
        (f"bytes=-{SIZE * 2}", 0, SIZE - 1),  # a suffix longer than the file is all of it
        (" bytes=10-19 ", 10, 19),
    ],
)
def test_single_range_is_served_partially(rf, served, header, start, end):
    path, data = served
    response = ranged_response(rf.get("/", headers={"Range": header}), path, SIZE, "audio/mpeg")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == data[start : end + 1]


def test_range_from_an_open_file_object_closes_it(rf, served):
    path, data = served
    fileobj = path.open("rb")
    response = ranged_response(rf.get("/", headers={"Range": "bytes=150000-"}), fileobj, SIZE, "video/mp4")
    assert response.status_code == 206
    assert body(response) == data[150000:]
    response.close()
    assert fileobj.closed


def test_closing_an_unread_response_closes_the_file(rf, served):
    path, _data = served
    fileobj = path.open("rb")
    response = ranged_response(rf.get("/", headers={"Range": "bytes=0-9"}), fileobj, SIZE, "audio/mpeg")
    response.close()
    assert fileobj.closed


@pytest.mark.parametrize(
    "header",
    [
        "bytes=abc",
        "items=0-1",
        "bytes=5-2",
        "bytes=0-1,5-9",
        "bytes=0-1, 5-9",
        "bytes=-",
        "bytes=",
        "bytes=-0",
        "bytes=1-2-3",
        "0-1",
        f"bytes={SIZE}-",
        f"bytes={SIZE}-{SIZE + 10}",
        f"bytes={SIZE + 1000}-",
    ],
)
def test_malformed_or_unsatisfiable_range_is_416(rf, served, header):
    path, _data = served
    fileobj = path.open("rb")
    response = ranged_response(rf.get("/", headers={"Range": header}), fileobj, SIZE, "audio/mpeg")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert response.content == b""
    assert fileobj.closed


def test_any_range_of_an_empty_file_is_416(rf, tmp_path):
    path = tmp_path / "empty.mp3"
    path.write_bytes(b"")
    response = ranged_response(rf.get("/", headers={"Range": "bytes=0-"}), path, 0, "audio/mpeg")
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */0"


def test_head_gives_the_headers_without_reading(rf, served):
    path, _data = served
    response = ranged_response(rf.head("/", headers={"Range": "bytes=10-19"}), path, SIZE, "audio/mpeg")
    assert response.status_code == 206
    assert response["Content-Length"] == "10"
    assert response["Content-Range"] == f"bytes 10-19/{SIZE}"
    assert response.content == b""
