from django.urls import include, path

from zhibu.api import api
from zhibu.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("audit/", core_views.audit_list, name="audit"),
    path("accounts/", include("zhibu.accounts.urls")),
    path("registry/", include("zhibu.registry.urls")),
    path("ledgers/", include("zhibu.ledgers.urls")),
    path("ledgers/months/", include("zhibu.snapshots.urls")),
    path("stations/", include("zhibu.stations.urls")),
    path("mobility/", include("zhibu.mobility.urls")),
    path("checkin/", include("zhibu.checkins.urls")),
    path("notifications/", include("zhibu.notifications.urls")),
    path("care/bottom-lines/", include("zhibu.care.bottomlines.urls")),
    path("care/", include("zhibu.care.urls")),
    path("materials/", include("zhibu.materials.urls")),
    path("meetings/", include("zhibu.meetings.urls")),
    path("learning/", include("zhibu.learning.urls")),
    path("points/", include("zhibu.points.urls")),
    path("chains/", include("zhibu.chains.urls")),
    path("contests/", include("zhibu.contests.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
