from django.urls import path

from zhibu.checkins import views

app_name = "checkins"

urlpatterns = [
    path("c/<str:code>/", views.start, name="start"),
    path("desk/", views.desk, name="desk"),
    path("stations/<int:pk>/", views.station, name="station"),
    path("stations/<int:pk>/screen/", views.screen, name="screen"),
    path("stations/<int:pk>/screen/code/", views.screen_code, name="screen_code"),
    path("stations/<int:pk>/poster.pdf", views.poster_pdf, name="poster"),
    path("stations/<int:pk>/withdraw/", views.withdraw_codes, name="withdraw"),
    path("stations/<int:pk>/visit/", views.visit, name="visit"),
    path("inbox/", views.inbox, name="inbox"),
    path("mine/", views.mine, name="mine"),
    path("figures/", views.figures, name="figures"),
    path("list/", views.checkin_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/redirect/", views.redirect_checkin, name="redirect"),
]
