from django.utils.functional import SimpleLazyObject

from zhibu.core.scope import Capability


def navigation(request) -> dict:
    """Which parts of the menu the signed-in actor may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = user.scope
    from zhibu.notifications.queries import unread_count

    return {
        "nav": {
            "registry": scope.can(Capability.VIEW),
            "audit": scope.can(Capability.AUDIT),
            "checkin_desk": scope.can(Capability.STATION) or scope.can(Capability.EDIT),
            "checkin_inbox": scope.can(Capability.EDIT),
            "checkin_figures": scope.can(Capability.VIEW) or scope.can(Capability.STATION),
            "member": user.member_id is not None,
            "unread": SimpleLazyObject(lambda: unread_count(user)),
        }
    }
