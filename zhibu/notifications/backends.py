"""Where notices go. A deployment lists its notifiers in ZHIBU_NOTIFIERS; each gets every notice.

In-app and e-mail work as they are. SMS and WeChat need a provider's account: their classes here
write to the log (with the number masked), and a deployment subclasses them with its provider's
client in `deliver`.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from zhibu.core.identity import mask_phone
from zhibu.notifications.models import Notification

logger = logging.getLogger("zhibu.notifications")


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str = ""
    url: str = ""


class Notifier:
    def send(self, recipient, notice: Notice) -> None:
        raise NotImplementedError


class InAppNotifier(Notifier):
    def send(self, recipient, notice: Notice) -> None:
        Notification.objects.create(recipient=recipient, subject=notice.subject, body=notice.body, url=notice.url)


class EmailNotifier(Notifier):
    def send(self, recipient, notice: Notice) -> None:
        if not recipient.email:
            return
        body = notice.body
        if notice.url:
            body = f"{body}\n\n{settings.ZHIBU_SITE_URL.rstrip('/')}{notice.url}"
        send_mail(notice.subject, body, None, [recipient.email], fail_silently=True)


class ConsoleSMSNotifier(Notifier):
    """Text messages to the phone of the recipient's member record."""

    def send(self, recipient, notice: Notice) -> None:
        member = getattr(recipient, "member", None)
        phone = member.phone if member is not None else ""
        if phone:
            self.deliver(phone, notice)

    def deliver(self, phone: str, notice: Notice) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), notice.subject)


class ConsoleWeChatNotifier(Notifier):
    """WeChat template messages to the recipient's account (a provider needs the OpenID it keeps)."""

    def send(self, recipient, notice: Notice) -> None:
        self.deliver(recipient.get_username(), notice)

    def deliver(self, account: str, notice: Notice) -> None:
        logger.info("WeChat message to %s: %s", account, notice.subject)


def notifiers() -> list[Notifier]:
    return [import_string(path)() for path in settings.ZHIBU_NOTIFIERS]
