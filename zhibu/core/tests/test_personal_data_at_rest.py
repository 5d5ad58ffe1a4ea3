"""An ID and a phone number entered through the web form appear nowhere in clear: not in the
database (raw file on SQLite, every text of every row on PostgreSQL) and not in the logs."""

import logging
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from zhibu.conftest import make_id_number
from zhibu.core.privacy import PersonalDataLogFilter
from zhibu.registry.models import Member

ID_NUMBER = make_id_number("430102", "19880808", 517)
PHONE = "13912345678"


def database_text() -> bytes:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        path = Path(connection.settings_dict["NAME"])
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    chunks = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            cursor.execute(f"SELECT row_to_json(t)::text FROM {connection.ops.quote_name(model._meta.db_table)} t")
            chunks.extend(row[0] for row in cursor.fetchall())
    return "\n".join(chunks).encode()


@pytest.mark.django_db(transaction=True)
def test_id_and_phone_are_nowhere_in_clear(client, caplog, settings):
    from zhibu.conftest import World

    world = World()
    client.force_login(world.users["secretary"])
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # log every SQL statement with its parameters
    try:
        response = client.post(
            reverse("registry:member_create"),
            {
                "name": "陈红",
                "id_number": ID_NUMBER,
                "phone": PHONE,
                "party_status": "full",
                "standing": "normal",
                "ethnicity": "01",
                "joined_on": "2012-07-01",
                "home_org": world.branch_a1.pk,
            },
        )
        member = Member.objects.get(name="陈红")
        detail = client.get(reverse("registry:member_detail", args=[member.pk]))
    finally:
        connection.force_debug_cursor = False
    assert response.status_code == 302, response.content.decode()[:2000]
    assert member.id_number == ID_NUMBER and member.phone == PHONE
    assert "SELECT" in caplog.text  # the SQL log was really captured
    raw = database_text()
    for secret in (ID_NUMBER, PHONE, ID_NUMBER[6:14] + ID_NUMBER[14:]):
        assert secret.encode() not in raw
        assert secret not in caplog.text
    page = detail.content.decode()
    assert ID_NUMBER not in page and PHONE not in page
    assert member.id_number_masked in page


def test_log_filter_redacts_numbers_in_messages():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "lookup %s and %s", (ID_NUMBER, PHONE), None)
    PersonalDataLogFilter().filter(record)
    assert ID_NUMBER not in record.getMessage() and PHONE not in record.getMessage()


@pytest.mark.parametrize(
    "typed",
    [
        ID_NUMBER[:6] + " " + ID_NUMBER[6:14] + " " + ID_NUMBER[14:],
        "139-1234-5678",
        PHONE.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}),  # full-width digits
    ],
)
def test_redaction_catches_numbers_as_people_type_them(typed):
    from zhibu.core.privacy import redact

    assert redact(f"member {typed} changed") == "member [redacted] changed"
