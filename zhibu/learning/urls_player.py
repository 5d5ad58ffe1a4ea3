"""The player pages of learning."""

from django.urls import path

from zhibu.learning import views_player

urlpatterns = [
    path("lessons/<int:pk>/play/", views_player.player, name="player"),
    path("sw.js", views_player.service_worker, name="service_worker"),
]
