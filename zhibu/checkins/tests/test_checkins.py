"""报到 at a station: codes, submitting, verifying against the registry, routing, the inbox,
notices, repeats, visits and their purge."""

import datetime
import logging

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from zhibu.checkins import codes, services
from zhibu.checkins.models import CheckIn, CheckInState, PendingReason, StationDay, StationVisit
from zhibu.checkins.services import Claim
from zhibu.core.models import AuditEvent
from zhibu.mobility import services as mobility
from zhibu.mobility.models import Direction, Mobility, MobilityState
from zhibu.notifications.models import Notification
from zhibu.registry import services as registry


def zhang_claim(world, **changes) -> Claim:
    return Claim(**({"name": "张晓明", "id_number": world.zhang.id_number, "phone": "13700137000"} | changes))


# Codes


def test_a_screen_code_opens_its_station_and_a_tampered_one_does_not(world, point):
    code = codes.make_code(point)
    assert codes.read_code(code) == point
    kind, signed = code.split(".", 1)
    payload, signature = signed.rsplit(":", 1)
    other_station = payload.replace(f"{point.pk}.", f"{point.pk + 1}.", 1)
    for forged in (f"{kind}.{other_station}:{signature}", f"{kind}.{signed[:-2]}xx", f"p.{signed}", "x.abc", ""):
        with translation.override("en"), pytest.raises(codes.CodeError, match="not valid"):
            codes.read_code(forged)


def test_an_expired_code_is_refused_and_a_poster_code_lives_longer(world, point):
    an_hour_ago = signing.b62_encode(int(timezone.now().timestamp()) - 3600)
    payload = f"{point.pk}.{point.checkin_key_version}:{an_hour_ago}"
    screen = "s." + signing.Signer(salt=f"{codes.SALT}.s").sign(payload)
    printed = "p." + signing.Signer(salt=f"{codes.SALT}.p").sign(payload)
    with pytest.raises(codes.CodeError) as error:
        codes.read_code(screen)
    assert "过期" in str(error.value)
    assert codes.read_code(printed) == point


def test_withdrawing_voids_every_code_issued_before(world, point):
    screen, printed = codes.make_code(point), codes.make_code(point, codes.POSTER)
    services.withdraw_codes(world.users["station"], point)
    for code in (screen, printed):
        with pytest.raises(codes.CodeError, match="作废"):
            codes.read_code(code)
    assert codes.read_code(codes.make_code(point)) == point
    with pytest.raises(PermissionDenied):
        services.withdraw_codes(world.users["secretary"], point)  # branch-a1 does not run it


def test_a_station_that_stopped_taking_checkins_refuses_its_codes(world, point):
    code = codes.make_code(point)
    point.is_checkin_point = False
    point.save()
    with pytest.raises(codes.CodeError, match="不再受理"):
        codes.read_code(code)


# Submitting and verifying


def test_a_form_checkin_keeps_the_numbers_encrypted_and_waits_for_staff(
    world, point, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = services.submit_from_form(point, zhang_claim(world, name=" 张晓明 "))
    checkin = submitted.checkin
    assert not submitted.repeated and checkin.state == CheckInState.SUBMITTED and checkin.member is None
    assert checkin.name == "张晓明" and checkin.id_number_masked.startswith("4403") and "*" in checkin.id_number_masked
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM checkins_checkin WHERE id = %s", [checkin.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert world.zhang.id_number not in row and "13700137000" not in row
    staff = {n.recipient.username for n in Notification.objects.all()}
    assert staff == {"secretary2"}  # the station's own branch has a secretary: nobody higher is disturbed


def test_bad_numbers_are_refused_with_messages_in_the_users_language(world, point):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        services.submit_from_form(point, Claim(name="", id_number="440305199001011234", phone="12345"))
    assert set(error.value.message_dict) == {"name", "id_number", "phone"}
    assert all(any("\u4e00" <= c <= "\u9fff" for c in m[0]) for m in error.value.message_dict.values())
    assert not CheckIn.objects.exists()


def test_the_same_checkin_repeated_within_the_window_is_recorded_once(world, point, settings):
    first = services.submit_from_form(point, zhang_claim(world))
    again = services.submit_from_form(point, zhang_claim(world, phone="13700137001"))
    assert again.repeated and again.checkin.pk == first.checkin.pk and CheckIn.objects.count() == 1
    CheckIn.objects.filter(pk=first.checkin.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(minutes=settings.CHECKIN_REPEAT_MINUTES + 1)
    )
    assert not services.submit_from_form(point, zhang_claim(world)).repeated
    assert CheckIn.objects.count() == 2


def test_staff_verify_an_exact_match_and_it_is_routed_with_the_numbers_dropped(world, point):
    checkin = services.submit_from_form(point, zhang_claim(world)).checkin
    services.verify(world.users["station"], checkin)
    checkin.refresh_from_db()
    assert checkin.state == CheckInState.ROUTED and checkin.member == world.zhang
    assert checkin.routed_to == world.branch_b1 and checkin.route_rule == "station"
    assert checkin.verified_by == world.users["station"] and checkin.id_number_sealed == checkin.phone_sealed == ""
    event = AuditEvent.objects.filter(object_type="checkins.checkin", action="update").get()
    assert event.changes["state"] == ["submitted", "routed"] and world.zhang.id_number not in str(event.changes)


def test_a_name_that_does_not_match_the_id_number_stays_pending_and_is_never_merged(world, point):
    checkin = services.submit_from_form(point, zhang_claim(world, name="张小明")).checkin
    with translation.override("zh-hans"):
        services.verify(world.users["station"], checkin)
        reason = checkin.get_pending_reason_display()
    assert checkin.state == CheckInState.PENDING and checkin.pending_reason == PendingReason.NAME_MISMATCH
    assert checkin.member is None and checkin.routed_to is None and "姓名" in reason
    unknown = services.submit_from_form(point, zhang_claim(world, id_number="11010519491231002X")).checkin
    services.verify(world.users["station"], unknown)
    assert unknown.pending_reason == PendingReason.NOT_REGISTERED and unknown.member is None

    # The staff read the ID card and correct the entry: now it matches.
    services.verify(world.users["station"], checkin, zhang_claim(world))
    assert checkin.state == CheckInState.ROUTED and checkin.member == world.zhang


def test_only_the_staff_of_the_station_verify(world, point):
    checkin = services.submit_from_form(point, zhang_claim(world)).checkin
    for outsider in ("secretary", "cadre", "courier"):
        with pytest.raises(PermissionDenied):
            services.verify(world.users[outsider], checkin)
    services.verify(world.users["secretary2"], checkin)
    with pytest.raises(ValidationError, match="已核验"):
        services.verify(world.users["station"], checkin)


def test_a_signed_in_member_reports_in_with_one_tap(world, point):
    courier = world.users["courier"]
    submitted = services.submit_from_account(courier, point)
    assert submitted.checkin.state == CheckInState.ROUTED and submitted.checkin.member == world.wang
    assert services.submit_from_account(courier, point).repeated
    with pytest.raises(ValidationError, match="未关联"):
        services.submit_from_account(world.users["secretary"], point)
    assert CheckIn.objects.count() == 1


# Routing


def test_routing_prefers_the_employer_then_the_place_then_the_station(world, point, settings):
    admin = world.root_user
    unit = registry.create_unit(admin, name="B 快递有限公司", kind="enterprise")
    world.branch_b1.units.add(unit)
    world.company_b.units.add(unit)  # the committee too: the most specific organisation wins
    world.zhang.employer = unit
    world.zhang.save()
    point.organization = world.industry
    point.place_organization = world.company_a
    point.save()

    def routed():
        CheckIn.objects.all().delete()
        checkin = services.submit_from_form(point, zhang_claim(world)).checkin
        services.verify(admin, checkin)
        return checkin.routed_to, checkin.route_rule

    assert routed() == (world.branch_b1, "employer")
    world.zhang.employer = None
    world.zhang.save()
    assert routed() == (world.company_a, "place")
    point.place_organization = None
    point.save()
    assert routed() == (world.industry, "station")
    settings.CHECKIN_ROUTING = ["station"]
    world.zhang.employer = unit
    world.zhang.save()
    assert routed() == (world.industry, "station")


# The inbox


def test_accepting_creates_the_inflow_pairs_the_outflow_and_tells_member_and_home_branch(
    world, point, django_capture_on_commit_callbacks
):
    world.users["secretary"].email = "a1@example.org"
    world.users["secretary"].save()
    outflow = mobility.register_outflow(
        world.users["secretary"], world.zhang, mobility.Whereabouts(since=timezone.localdate())
    )
    world.users["secretary2"].email = "b1@example.org"
    world.users["secretary2"].save()
    zhang_account = world.user("zhang", "member", world.branch_a1, member=world.zhang)
    checkin = services.submit_from_form(point, zhang_claim(world)).checkin
    services.verify(world.users["station"], checkin)
    with pytest.raises(PermissionDenied):
        services.accept(world.users["secretary"], checkin)  # the home branch does not decide for B

    with django_capture_on_commit_callbacks(execute=True):
        services.accept(world.users["secretary2"], checkin)
    checkin.refresh_from_db()
    outflow.refresh_from_db()
    inflow = checkin.inflow
    assert checkin.state == CheckInState.ACCEPTED and checkin.decided_by == world.users["secretary2"]
    assert inflow.direction == Direction.INFLOW and inflow.organization == world.branch_b1
    assert outflow.paired_with == inflow and outflow.state == MobilityState.REPORTED
    assert outflow.to_org == world.branch_b1 and world.branch_b1 in world.zhang.activity_orgs.all()
    assert Notification.objects.filter(recipient=zhang_account, subject__contains="已被接收").exists()
    home = Notification.objects.get(recipient=world.users["secretary"])
    assert "张晓明" in home.subject and home.url.endswith(f"/members/{world.zhang.pk}/")
    assert any(message.to == ["a1@example.org"] for message in mail.outbox)
    with pytest.raises(ValidationError):
        services.accept(world.users["secretary2"], checkin)


def test_accepting_a_member_of_the_organisation_itself_creates_no_inflow(world, point):
    point.organization = world.branch_a1
    point.save()
    checkin = services.submit_from_form(point, zhang_claim(world)).checkin
    services.verify(world.users["secretary"], checkin)
    services.accept(world.users["secretary"], checkin)
    assert checkin.state == CheckInState.ACCEPTED and checkin.inflow is None
    assert not Mobility.objects.exists()


def test_a_lost_member_who_reports_in_is_in_touch_again(world, point):
    secretary2 = world.users["secretary2"]
    since = timezone.localdate() - datetime.timedelta(days=40)
    inflow = mobility.register_inflow(secretary2, world.zhang, world.branch_b1, mobility.Whereabouts(since=since))
    mobility.mark_lost(secretary2, inflow, timezone.localdate())
    checkin = services.submit_from_account(world.user("zhang", "member", world.branch_a1, member=world.zhang), point)
    services.accept(secretary2, checkin.checkin)
    inflow.refresh_from_db()
    assert checkin.checkin.inflow == inflow and inflow.state == MobilityState.REGISTERED and inflow.lost_on is None


def test_an_organisation_sends_a_checkin_on(world, point, django_capture_on_commit_callbacks):
    checkin = services.submit_from_form(point, zhang_claim(world)).checkin
    services.verify(world.users["station"], checkin)
    with pytest.raises(ValidationError) as error:
        services.redirect(world.users["secretary2"], checkin, world.branch_a1, "电话 13800138000")
    assert "note" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.redirect(world.users["secretary2"], checkin, world.branch_b1)
    with django_capture_on_commit_callbacks(execute=True):
        services.redirect(world.users["secretary2"], checkin, world.mobile_a, "在 A 公司跑件")
    checkin.refresh_from_db()
    assert checkin.routed_to == world.mobile_a and checkin.route_rule == "redirect"
    assert checkin.state == CheckInState.ROUTED
    with pytest.raises(PermissionDenied):
        services.accept(world.users["secretary2"], checkin)
    assert Notification.objects.filter(recipient=world.users["industry"], subject__contains="张晓明").exists()


def test_notifiers_are_pluggable_and_the_console_sms_masks_the_number(
    world, point, settings, caplog, django_capture_on_commit_callbacks
):
    settings.ZHIBU_NOTIFIERS = [
        "zhibu.notifications.backends.ConsoleSMSNotifier",
        "zhibu.notifications.backends.ConsoleWeChatNotifier",
    ]
    courier = world.users["courier"]
    checkin = services.submit_from_account(courier, point).checkin
    with caplog.at_level(logging.INFO, logger="zhibu.notifications"), django_capture_on_commit_callbacks(execute=True):
        services.accept(world.users["secretary2"], checkin)
    assert not Notification.objects.exists()  # no in-app notifier configured
    texts = [record.getMessage() for record in caplog.records]
    assert any("SMS to 139****9000" in text for text in texts)
    assert any(text.startswith("WeChat message to courier") for text in texts)
    assert not any("13900139000" in text for text in texts)


# Visits


def test_visits_are_started_by_the_member_and_counted_per_day(world, point):
    courier = world.users["courier"]
    first = services.record_visit(courier, point)
    again = services.record_visit(courier, point)
    assert first.counted and not again.counted and again.visit == first.visit
    zhang = world.user("zhang", "member", world.branch_a1, member=world.zhang)
    services.record_visit(zhang, point)
    assert StationDay.objects.get(station=point, day=timezone.localdate()).visits == 2
    with pytest.raises(ValidationError, match="只有党员"):
        services.record_visit(world.users["station"], point)


def test_the_purge_drops_old_whereabouts_and_keeps_counts_and_verified_checkins(world, point, settings):
    courier = world.users["courier"]
    services.record_visit(courier, point)
    old = timezone.now() - datetime.timedelta(days=settings.STATION_VISIT_RETENTION_DAYS + 1)
    StationVisit.objects.update(at=old)
    unmatched = services.submit_from_form(point, zhang_claim(world, name="无名")).checkin
    verified = services.submit_from_account(courier, point).checkin
    CheckIn.objects.update(submitted_at=old)
    recent = services.submit_from_form(point, zhang_claim(world, id_number="11010519491231002X")).checkin

    assert services.purge_whereabouts() == {"visits": 1, "checkins": 1}
    assert not StationVisit.objects.exists() and StationDay.objects.get().visits == 1
    assert set(CheckIn.objects.values_list("pk", flat=True)) == {verified.pk, recent.pk}
    assert not CheckIn.objects.filter(pk=unmatched.pk).exists()
    assert AuditEvent.objects.filter(actor_name="purge_whereabouts").get().changes == {
        "station_visits": 1,
        "unmatched_checkins": 1,
    }


def test_a_member_who_moves_on_is_followed_by_the_home_branchs_record(world, point):
    secretary2 = world.users["secretary2"]
    outflow = mobility.register_outflow(
        world.users["secretary"], world.zhang, mobility.Whereabouts(since=timezone.localdate())
    )
    first = mobility.register_inflow(
        world.root_user, world.zhang, world.mobile_a, mobility.Whereabouts(since=timezone.localdate())
    )
    checkin = services.submit_from_form(point, zhang_claim(world)).checkin
    services.verify(world.users["station"], checkin)
    services.accept(secretary2, checkin)
    outflow.refresh_from_db()
    first.refresh_from_db()
    assert outflow.paired_with == checkin.inflow and checkin.inflow.paired_with == outflow
    assert first.paired_with is None and first.is_open  # the earlier place ends its own record


def test_the_purge_runs_every_night_in_the_job_consumer():
    from zhibu.checkins.tasks import purge_whereabouts

    night = datetime.datetime(2026, 11, 23, 3, 30)
    schedule = purge_whereabouts.task_class()
    assert schedule.validate_datetime(night) and not schedule.validate_datetime(night.replace(hour=4))
