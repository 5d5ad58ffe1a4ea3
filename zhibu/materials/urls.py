from django.urls import path

from zhibu.materials import views

app_name = "materials"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/launch/", views.launch, name="launch"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/discard/", views.discard, name="discard"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/send/", views.bulk_send, name="bulk_send"),
    path("deliveries/<int:pk>/", views.delivery, name="delivery"),
    path("deliveries/<int:pk>/send/", views.send, name="send"),
    path("deliveries/<int:pk>/receive/", views.receive, name="receive"),
    path("mine/", views.mine, name="mine"),
]
