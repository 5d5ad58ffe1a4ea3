from django.urls import path

from zhibu.learning import views_plans

urlpatterns = [
    path("plans/", views_plans.plans, name="plans"),
    path("plans/new/", views_plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views_plans.plan, name="plan"),
    path("plans/<int:pk>/edit/", views_plans.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/delete/", views_plans.plan_delete, name="plan_delete"),
    path("my-plans/", views_plans.my_plans, name="my_plans"),
]
