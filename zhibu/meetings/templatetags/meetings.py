from django import template

from zhibu.meetings import codes

register = template.Library()


@register.filter
def is_open(meeting) -> bool:
    """Whether the meeting takes attendance by code or tap now."""
    return codes.is_open(meeting)
