"""The QR code of a station's 报到 link, as SVG for screens and in an A4 poster PDF."""

import segno
from django.template.loader import render_to_string
from django.urls import reverse

from zhibu.checkins import codes
from zhibu.stations.models import Station


def checkin_url(request, code: str) -> str:
    return request.build_absolute_uri(reverse("checkins:start", args=[code]))


def qr_svg(url: str, scale: int = 8) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale, border=2)


def poster_pdf(request, station: Station) -> bytes:
    from weasyprint import HTML  # imported when needed: it takes half a second to load

    code = codes.make_code(station, codes.POSTER)
    url = checkin_url(request, code)
    context = {
        "station": station,
        "qr": segno.make(url, error="m").svg_data_uri(scale=10, border=2),
        "valid_days": codes.lifetime(codes.POSTER).days,
    }
    return HTML(string=render_to_string("checkins/poster.html", context, request=request)).write_pdf()
