"""The contact log: who may log, the dates accepted, no ID or phone numbers in the text, and the
same contact entered twice recorded once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from zhibu.care import queries, services
from zhibu.care.models import Contact
from zhibu.care.tests.helpers import TODAY, cadre_account, days_ago, pair_wang, talk
from zhibu.core.models import AuditEvent


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_the_paired_cadre_logs_a_talk_and_it_is_audited(world):
    pairing = pair_wang(world)
    contact, created = services.log_contact(
        world.users["cadre"], world.wang, talk(TODAY, "谈了跑单安全", next_step="下月见面")
    )
    assert created and (contact.pairing, contact.organization, contact.cadre) == (
        pairing,
        world.mobile_a,
        world.users["cadre"],
    )
    assert (contact.kind, contact.channel, contact.summary, contact.next_step) == (
        "talk",
        "phone",
        "谈了跑单安全",
        "下月见面",
    )
    event = AuditEvent.objects.get(object_type="care.contact")
    assert event.changes == {"member": world.wang.pk, "kind": "talk", "on": str(TODAY), "channel": "phone"}


def test_the_same_contact_entered_twice_is_recorded_once(world):
    pair_wang(world)
    cadre = world.users["cadre"]
    first, created = services.log_contact(cadre, world.wang, talk(TODAY))
    again, created_again = services.log_contact(cadre, world.wang, talk(TODAY, "再点了一次"))
    assert created and not created_again and again == first and Contact.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="care.contact").count() == 1
    _visit, created_visit = services.log_contact(cadre, world.wang, talk(TODAY, kind="visit", channel="in_person"))
    assert created_visit and Contact.objects.count() == 2  # another kind the same day is another contact


def test_a_contact_in_the_future_or_before_the_pairing_is_refused(world):
    pairing = pair_wang(world, started_days_ago=30)
    cadre = world.users["cadre"]
    with pytest.raises(ValidationError) as future:
        services.log_contact(cadre, world.wang, talk(days_ago(-1)))
    assert future.value.message_dict == {"on": ["The date lies in the future."]}
    with pytest.raises(ValidationError) as before:
        services.log_contact(cadre, world.wang, talk(days_ago(31)))
    assert before.value.message_dict["on"] == [
        f"The pairing began on {pairing.started_on.isoformat()}: give a date from then on."
    ]
    services.log_contact(cadre, world.wang, talk(days_ago(30)))  # the first day is fine
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    "text",
    ["电话13900139000", "电话 139 0013 9000", "电话１３９００１３９０００", "身份证440305199001010011"],
)
def test_id_and_phone_numbers_are_kept_out_of_the_log(world, text):
    pair_wang(world)
    with pytest.raises(ValidationError) as refused:
        services.log_contact(world.users["cadre"], world.wang, talk(TODAY, text))
    assert refused.value.message_dict["summary"] == ["Leave ID and phone numbers out of the contact log."]
    with pytest.raises(ValidationError, match="Leave ID and phone numbers out"):
        services.log_contact(world.users["cadre"], world.wang, talk(TODAY, next_step=text))
    assert not Contact.objects.exists()


def test_an_empty_summary_is_refused(world):
    pair_wang(world)
    with pytest.raises(ValidationError, match="Write a short summary"):
        services.log_contact(world.users["cadre"], world.wang, talk(TODAY, "   "))


def test_only_the_paired_cadre_or_an_editor_of_the_organisation_logs_contacts(world):
    pair_wang(world)
    other_cadre = cadre_account(world, "other")  # reads mobile-a, not paired with 王强
    with pytest.raises(PermissionDenied):
        services.log_contact(other_cadre, world.wang, talk(TODAY))
    with pytest.raises(PermissionDenied):
        services.log_contact(world.users["secretary"], world.wang, talk(TODAY))
    contact, _created = services.log_contact(world.users["industry"], world.wang, talk(TODAY))  # edits mobile-a
    assert contact.cadre == world.users["industry"] and Contact.objects.count() == 1


def test_an_unpaired_member_is_logged_for_by_the_home_branchs_editors(world):
    with pytest.raises(PermissionDenied):
        services.log_contact(world.users["cadre"], world.wang, talk(TODAY))
    contact, _created = services.log_contact(world.users["industry"], world.wang, talk(days_ago(400)))
    assert contact.pairing is None and contact.organization == world.mobile_a


def test_a_newly_paired_cadre_reads_the_members_earlier_contacts(world):
    first = cadre_account(world, "first", world.company_a)
    services.pair(world.root_user, world.mobile_a, world.wang, first, days_ago(60))
    services.log_contact(first, world.wang, talk(days_ago(50)))
    services.pair(world.root_user, world.mobile_a, world.wang, world.users["cadre"])
    assert [contact.cadre for contact in queries.member_contacts(world.users["cadre"], world.wang)] == [first]
    assert list(queries.member_contacts(world.users["secretary"], world.wang)) == []


def test_the_member_panel_shows_the_pairing_what_is_due_and_the_last_contacts(world):
    pairing = pair_wang(world, started_days_ago=100)
    services.log_contact(world.users["cadre"], world.wang, talk(days_ago(95)))
    panel = queries.member_panel(world.users["cadre"], world.wang)
    assert panel.pairing == pairing and panel.can_log
    assert panel.due.next_item.is_overdue and panel.due.next_item.rule.kind == "talk"
    assert [contact.on for contact in panel.contacts] == [days_ago(95)]
    reader = queries.member_panel(world.users["city"], world.wang)
    assert reader.pairing == pairing and not reader.can_log
    stranger = queries.member_panel(world.users["secretary"], world.zhang)
    assert stranger.pairing is None and not stranger.contacts and stranger.can_log  # edits 张晓明's branch
