"""Sending notices, and marking them read."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from zhibu.notifications.backends import Notice, notifiers
from zhibu.notifications.models import Notification


def notify(recipients: Iterable, notice: Notice) -> None:
    """Send once the surrounding transaction commits: a write that is rolled back tells nobody."""
    people = {person.pk: person for person in recipients}.values()

    def send() -> None:
        for notifier in notifiers():
            for person in people:
                notifier.send(person, notice)

    transaction.on_commit(send)


def mark_read(user, notification_ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
