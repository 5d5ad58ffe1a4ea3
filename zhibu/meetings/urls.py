from django.urls import path

from zhibu.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("feeds/", views.feeds, name="feeds"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("a/<str:code>/", views.scan, name="scan"),
    path("org/<int:org_pk>/", views.org_list, name="org_list"),
    path("org/<int:org_pk>/new/", views.create, name="create"),
    path("org/<int:org_pk>/calendar/", views.calendar, name="calendar"),
    path("org/<int:org_pk>/rules/", views.rules, name="rules"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/code/", views.code, name="code"),
    path("<int:pk>/code/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/roll-call/", views.roll_call, name="roll_call"),
    path("<int:pk>/roll-call/<int:member_pk>/", views.mark, name="mark"),
    path("<int:pk>/attended/", views.attended, name="attended"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
