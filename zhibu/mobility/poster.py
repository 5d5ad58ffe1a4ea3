"""The "looking for" poster (寻找流动党员): the member's name, the branch, and whom to contact.

It is meant for notice boards and group chats, so it carries no personal data beyond the name:
no ID or phone number, photo, birth date or address of the member."""

from django.template.loader import render_to_string
from django.utils import timezone

from zhibu.mobility.models import Mobility
from zhibu.registry.models import Organization


def looking_for(record: Mobility) -> bytes:
    from weasyprint import HTML  # imported when needed: it takes half a second to load

    contact = record.organization
    context = {
        "name": record.member.name,
        "branch": record.member.home_org.name,
        "contact": contact.name,
        "contact_address": _address(contact),
        "printed_on": timezone.localdate(),
    }
    return HTML(string=render_to_string("mobility/poster.html", context)).write_pdf()


def _address(organization: Organization) -> str:
    """Where to find the organisation: the address of its host unit, if one is recorded."""
    unit = organization.units.exclude(address="").order_by("pk").first()
    return unit.address if unit else ""
