"""This app's URLs in the scope matrix (zhibu/core/tests/test_scope_matrix.py).

The station is a 党员报到处 run by branch-a1; 赵敏 of branch-b1 reported in there. Station staff are
those who may change branch-a1 and the station persona (station staff of the industry committee)."""

from decimal import Decimal

from zhibu.core.tests.matrix import EDIT_A1, PUBLIC, SIGNED_IN, Case

STAFF = EDIT_A1 | {"station"}
DESK = STAFF | {"secretary2"}
FIGURES = {"admin", "city", "industry", "secretary", "secretary2", "cadre", "station"}
# The routed check-in: branch-a1 (its inbox), the station staff, and 赵敏's home branch.
SEES_ROUTED = {"admin", "city", "industry", "secretary", "secretary2", "station"}


def point(w):
    return [w.checkin_point.pk]


def routed(w):
    return [w.routed_checkin.pk]


STAFF_PAGE = dict(args=point, allowed=STAFF, denied=403)

CASES: dict[str, Case] = {
    "checkins:start": Case(args=lambda w: [w.checkin_code], **PUBLIC),
    "checkins:desk": Case(allowed=DESK, denied=403),
    "checkins:station": Case(**STAFF_PAGE),
    "checkins:screen": Case(**STAFF_PAGE),
    "checkins:screen_code": Case(**STAFF_PAGE),
    "checkins:poster": Case(**STAFF_PAGE),
    "checkins:withdraw": Case(method="post", ok=302, **STAFF_PAGE),
    "checkins:visit": Case(args=point, method="post", allowed=SIGNED_IN, ok=302),
    "checkins:inbox": Case(allowed=SIGNED_IN, marker=("赵敏", EDIT_A1)),
    "checkins:mine": Case(allowed=SIGNED_IN),
    "checkins:figures": Case(allowed=FIGURES, denied=403),
    "checkins:list": Case(allowed=FIGURES, denied=403, marker=("赵敏", SEES_ROUTED)),
    "checkins:detail": Case(args=routed, allowed=SEES_ROUTED),
    # Only an account linked to a member record reports in with one tap; the others are told so.
    "api-1.0.0:submit_checkin": Case(
        method="post", body=lambda w: {"code": w.checkin_code}, api=True, allowed={"courier"}, ok=201, denied=403
    ),
    "api-1.0.0:list_own_checkins": Case(api=True, allowed=SIGNED_IN),
    "checkins:verify": Case(args=lambda w: [w.waiting_checkin.pk], method="post", allowed=STAFF, ok=302),
    "checkins:accept": Case(args=routed, method="post", allowed=EDIT_A1, ok=302, visible=SEES_ROUTED),
    "checkins:redirect": Case(args=routed, allowed=EDIT_A1, visible=SEES_ROUTED),
    "notifications:inbox": Case(allowed=SIGNED_IN),
    "notifications:mark_all_read": Case(method="post", allowed=SIGNED_IN, ok=302),
}


def prepare(world) -> None:
    from zhibu.checkins import codes, services
    from zhibu.stations import services as stations

    admin = world.root_user
    world.checkin_point = stations.create_station(
        admin,
        name="南头党员报到处",
        kind="service_center",
        level=2,
        is_checkin_point=True,
        organization=world.branch_a1,
        latitude=Decimal("22.54"),
        longitude=Decimal("113.93"),
        coordinate_system="wgs84",
    )
    # The matrix world outlives a screen code's ten minutes; a poster code lasts the whole run.
    world.checkin_code = codes.make_code(world.checkin_point, codes.POSTER)
    zhao = services.Claim(name="赵敏", id_number=world.zhao.id_number, phone="13600136000")
    world.routed_checkin = services.submit_from_form(world.checkin_point, zhao).checkin
    services.verify(admin, world.routed_checkin)
    li = services.Claim(name="李娜", id_number=world.li.id_number, phone="13600136001")
    world.waiting_checkin = services.submit_from_form(world.checkin_point, li).checkin
