"""The daily reminders: each cadre hears of the contacts due within a week or overdue, through the
notifiers (here the in-app one writes Notification rows), at most once a week per item."""

import datetime

from zhibu.care import services
from zhibu.care.models import ContactReminder
from zhibu.care.tests.helpers import TODAY, cadre_account, days_ago, mobile_member, talk
from zhibu.notifications.models import Notification


def reminded(world, when=TODAY, capture=None) -> int:
    with capture(execute=True):
        return services.send_contact_reminders(when)


def test_cadres_are_reminded_of_due_contacts_once_a_week(world, django_capture_on_commit_callbacks, settings):
    settings.ZHIBU_NOTIFIERS = ["zhibu.notifications.backends.InAppNotifier"]
    admin, cadre, other = world.root_user, world.users["cadre"], cadre_account(world, "other")
    overdue, soon, fine = (
        mobile_member(world, name, 800 + index) for index, name in enumerate(["刘洋", "陈静", "孙丽"])
    )
    services.pair(admin, world.mobile_a, overdue, cadre, days_ago(100))  # talk due 10 days ago
    services.pair(admin, world.mobile_a, soon, cadre, days_ago(88))  # talk due in 2 days
    services.pair(admin, world.mobile_a, fine, other, days_ago(100))
    services.log_contact(other, fine, talk(days_ago(3)))  # talked to: nothing due for a while

    assert reminded(world, capture=django_capture_on_commit_callbacks) == 2
    notice = Notification.objects.get()
    assert notice.recipient == cadre and notice.url == "/care/"
    assert "刘洋" in notice.body and "陈静" in notice.body and "孙丽" not in notice.body
    assert "2" in notice.subject and ContactReminder.objects.count() == 2

    # The next day, and six days later: nothing new. A week later: reminded again, as still due.
    assert reminded(world, capture=django_capture_on_commit_callbacks) == 0
    assert Notification.objects.count() == 1
    ContactReminder.objects.update(
        sent_at=ContactReminder.objects.get(pairing__member=overdue).sent_at - datetime.timedelta(days=7, minutes=1)
    )
    services.log_contact(cadre, soon, talk(TODAY))  # 陈静 contacted meanwhile
    assert reminded(world, capture=django_capture_on_commit_callbacks) == 1
    latest = Notification.objects.order_by("-id").first()
    assert "刘洋" in latest.body and "陈静" not in latest.body


def test_a_reminder_rolled_back_tells_nobody(world, settings):
    """Without a commit (the test's transaction stays open) the notifiers are not called."""
    settings.ZHIBU_NOTIFIERS = ["zhibu.notifications.backends.InAppNotifier"]
    services.pair(world.root_user, world.mobile_a, world.wang, world.users["cadre"], days_ago(120))
    assert services.send_contact_reminders(TODAY) == 1
    assert not Notification.objects.exists() and ContactReminder.objects.count() == 1


def test_the_reminders_run_every_morning_in_the_job_consumer(world, django_capture_on_commit_callbacks):
    from zhibu.care.tasks import send_contact_reminders

    morning = datetime.datetime(2026, 11, 23, 8, 0)
    schedule = send_contact_reminders.task_class()
    assert schedule.validate_datetime(morning) and not schedule.validate_datetime(morning.replace(hour=9))
    services.pair(world.root_user, world.mobile_a, world.wang, world.users["cadre"], days_ago(120))
    with django_capture_on_commit_callbacks(execute=True):
        send_contact_reminders.call_local()
    assert Notification.objects.filter(recipient=world.users["cadre"], body__contains="王强").exists()
