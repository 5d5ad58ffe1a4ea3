from zhibu.core.scope import Capability


def navigation(request) -> dict:
    """Which parts of the menu the signed-in actor may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = user.scope
    return {"nav": {"registry": scope.can(Capability.VIEW), "audit": scope.can(Capability.AUDIT)}}
