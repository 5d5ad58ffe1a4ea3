from django.urls import path

from zhibu.stations import views

app_name = "stations"

urlpatterns = [
    path("", views.station_list, name="list"),
    path("map/", views.station_map, name="map"),
    path("nearest/", views.nearest, name="nearest"),
    path("stations.geojson", views.geojson, name="geojson"),
    path("new/", views.station_create, name="create"),
    path("<int:pk>/", views.station_detail, name="detail"),
    path("<int:pk>/edit/", views.station_edit, name="edit"),
    path("<int:pk>/delete/", views.station_delete, name="delete"),
    path("<int:pk>/photos/new/", views.photo_add, name="photo_add"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
]
