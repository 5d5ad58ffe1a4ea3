from django.conf import settings
from django.core import checks

from zhibu.checkins.routing import RULES


@checks.register
def routing_rules(app_configs, **kwargs):
    unknown = [name for name in settings.CHECKIN_ROUTING if name not in RULES]
    if unknown:
        return [
            checks.Error(
                f"CHECKIN_ROUTING names unknown rules: {', '.join(unknown)}",
                hint=f"Use some of: {', '.join(RULES)}.",
                id="zhibu.E101",
            )
        ]
    return []
