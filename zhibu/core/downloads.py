"""Files handed to the browser as downloads."""

from urllib.parse import quote

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"xlsx": XLSX, "pdf": "application/pdf"}


def attachment(name: str, data: bytes) -> HttpResponse:
    """A download named `name` (any script), never kept by a cache: it may hold personal data."""
    response = HttpResponse(data, content_type=CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream"))
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response
