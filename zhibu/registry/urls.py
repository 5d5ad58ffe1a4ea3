from django.urls import path

from zhibu.registry.views import members, orgs, units

app_name = "registry"

urlpatterns = [
    path("orgs/", orgs.org_tree, name="org_tree"),
    path("orgs/<int:pk>/", orgs.org_detail, name="org_detail"),
    path("orgs/<int:pk>/children/", orgs.org_children, name="org_children"),
    path("orgs/<int:pk>/new/", orgs.org_create, name="org_create"),
    path("orgs/<int:pk>/edit/", orgs.org_edit, name="org_edit"),
    path("orgs/<int:pk>/move/", orgs.org_move, name="org_move"),
    path("orgs/<int:pk>/delete/", orgs.org_delete, name="org_delete"),
    path("members/", members.member_list, name="member_list"),
    path("members/new/", members.member_create, name="member_create"),
    path("members/<int:pk>/", members.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", members.member_edit, name="member_edit"),
    path("members/<int:pk>/delete/", members.member_delete, name="member_delete"),
    path("members/<int:pk>/reveal/<str:field>/", members.member_reveal, name="member_reveal"),
    path("units/", units.unit_list, name="unit_list"),
    path("units/new/", units.unit_create, name="unit_create"),
    path("units/<int:pk>/", units.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", units.unit_edit, name="unit_edit"),
]
