from django.urls import path

from zhibu.snapshots import views

app_name = "snapshots"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/people/<str:kind>/", views.people, name="people"),
    path("<int:pk>/freeze/", views.freeze, name="freeze"),
]
