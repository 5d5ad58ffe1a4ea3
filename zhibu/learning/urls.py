from django.urls import path

from zhibu.learning import urls_courses, urls_plans, urls_player, views_media

app_name = "learning"

urlpatterns = [
    path("lessons/<int:pk>/media/", views_media.media, name="media"),
    path("attachments/<int:pk>/", views_media.attachment, name="attachment"),
    *urls_courses.urlpatterns,
    *urls_player.urlpatterns,
    *urls_plans.urlpatterns,
]
