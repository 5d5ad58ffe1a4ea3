from django import template

from zhibu.checkins.services import can_staff

register = template.Library()


@register.inclusion_tag("checkins/station_panel.html", takes_context=True)
def checkin_panel(context, station):
    """The “I am here” button and, for its staff, the way to the station's check-in desk."""
    user = context["user"]
    return {
        "station": station,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "can_staff_checkins": user.is_authenticated and station.is_checkin_point and can_staff(user, station),
    }
