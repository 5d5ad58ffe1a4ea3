from django.urls import path

from zhibu.care.bottomlines import views

app_name = "bottom_lines"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/missing/<slug:line>/", views.missing, name="missing"),
    path("<int:pk>/export.xlsx", views.export_xlsx, name="export"),
]
