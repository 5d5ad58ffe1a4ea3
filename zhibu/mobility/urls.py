from django.urls import path

from zhibu.mobility import views

app_name = "mobility"

urlpatterns = [
    path("", views.index, name="index"),
    path("inflow/", views.inflow, name="inflow"),
    path("members/<int:member_pk>/outflow/", views.outflow, name="outflow"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/lost/", views.mark_lost, name="lost"),
    path("<int:pk>/end/", views.end, name="end"),
    path("<int:pk>/reveal/", views.reveal_phone, name="reveal"),
    path("<int:pk>/tasks/new/", views.task_open, name="task_open"),
    path("<int:pk>/poster.pdf", views.poster_pdf, name="poster"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("tasks/<int:pk>/attempt/", views.attempt, name="attempt"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
]
