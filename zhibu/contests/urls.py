from django.urls import path

from zhibu.contests import views

app_name = "contests"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("banks/", views.banks, name="banks"),
    path("banks/new/", views.bank_create, name="bank_create"),
    path("banks/template/", views.bank_template, name="bank_template"),
    path("banks/<int:pk>/", views.bank_detail, name="bank_detail"),
    path("banks/<int:pk>/import/", views.bank_import, name="bank_import"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/ranking/", views.set_ranking, name="set_ranking"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/take/", views.take, name="take"),
    path("<int:pk>/start/", views.start, name="start"),
    path("attempts/<int:pk>/", views.attempt, name="attempt"),
    path("attempts/<int:pk>/answer/", views.save_answer, name="save_answer"),
    path("attempts/<int:pk>/submit/", views.submit, name="submit"),
]
