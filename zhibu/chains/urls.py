from django.urls import path

from zhibu.chains import views

app_name = "chains"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/figures/", views.figures, name="figures"),
    path("<int:pk>/participants/", views.participants, name="participants"),
    path("<int:pk>/participants/add/", views.participants_add, name="participants_add"),
    path("<int:pk>/participants/<int:org_pk>/remove/", views.participant_remove, name="participant_remove"),
    path("<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session, name="session"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/invite/", views.invite, name="invite"),
    path("sessions/<int:pk>/materials/", views.material_add, name="material_add"),
    path("invitations/<int:pk>/reply/", views.reply, name="reply"),
    path("invitations/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("materials/<int:pk>/", views.material, name="material"),
    path("materials/<int:pk>/delete/", views.material_delete, name="material_delete"),
]
