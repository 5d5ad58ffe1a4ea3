from django.http import HttpResponse
from django.urls import path

app_name = "registry"


def stub(request, **kw):
    return HttpResponse("stub")


urlpatterns = [
    path("orgs/", stub, name="org_tree"),
    path("members/", stub, name="member_list"),
    path("units/", stub, name="unit_list"),
]
