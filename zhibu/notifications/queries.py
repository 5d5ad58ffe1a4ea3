"""Reads of a person's own notices."""

from django.db.models import QuerySet

from zhibu.notifications.models import Notification


def notifications(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return notifications(user).filter(read_at=None).count()
