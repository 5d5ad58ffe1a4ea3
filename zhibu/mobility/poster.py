"""The "looking for" poster (寻找流动党员): the member's name and branch, nothing more."""

from django.template.loader import render_to_string
from django.utils import timezone

from zhibu.mobility.models import Mobility


def looking_for(record: Mobility) -> bytes:
    from weasyprint import HTML  # imported when needed: it takes half a second to load

    context = {"name": record.member.name, "branch": record.member.home_org.name, "printed_on": timezone.localdate()}
    return HTML(string=render_to_string("mobility/poster.html", context)).write_pdf()
