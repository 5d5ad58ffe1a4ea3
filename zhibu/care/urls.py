from django.urls import path

from zhibu.care import views

app_name = "care"

urlpatterns = [
    # Pairing and contact timelines
    path("", views.mine, name="mine"),
    path("org/", views.branches, name="branches"),
    path("org/<int:org_pk>/", views.branch, name="branch"),
    path("org/<int:org_pk>/due/", views.branch_due, name="branch_due"),
    path("org/<int:org_pk>/pair/", views.pair, name="pair"),
    path("org/<int:org_pk>/policy/", views.policy, name="policy"),
    path("org/<int:org_pk>/rules/", views.rules, name="rules"),
    path("org/<int:org_pk>/rules/<int:rule_pk>/remove/", views.rule_remove, name="rule_remove"),
    path("pairings/<int:pk>/end/", views.pairing_end, name="pairing_end"),
    path("members/<int:member_pk>/", views.member, name="member"),
    path("members/<int:member_pk>/contacts/", views.log_contact, name="log_contact"),
    path("cadres/<int:user_pk>/", views.cadre, name="cadre"),
]
