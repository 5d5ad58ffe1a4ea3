from django.urls import path

from zhibu.points import views

app_name = "points"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("org/<int:org_pk>/", views.settings, name="settings"),
    path("org/<int:org_pk>/remove/", views.policy_remove, name="policy_remove"),
    path("org/<int:org_pk>/rules/", views.rule, name="rule"),
    path("org/<int:org_pk>/rules/<slug:kind>/remove/", views.rule_remove, name="rule_remove"),
    path("org/<int:org_pk>/ranking/", views.ranking, name="ranking"),
]
