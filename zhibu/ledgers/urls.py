from django.urls import path

from zhibu.ledgers import views

app_name = "ledgers"

urlpatterns = [
    path("", views.index, name="index"),
    path("templates/<str:dataset>.xlsx", views.template, name="template"),
    path("import/", views.upload, name="upload"),
    path("export/", views.export, name="export"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job"),
    path("jobs/<uuid:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<uuid:pk>/commit/", views.job_commit, name="job_commit"),
    path("jobs/<uuid:pk>/discard/", views.job_discard, name="job_discard"),
    path("jobs/<uuid:pk>/errors.xlsx", views.job_errors, name="job_errors"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
]
