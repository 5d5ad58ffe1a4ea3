"""The course pages of learning: the learner's catalogue, the courses a keeper keeps, a course's
outline, and the editing of courses, chapters, lessons and attachments."""

from django.urls import path

from zhibu.learning import views_courses as views

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("kept/", views.kept, name="kept"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course, name="course"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("courses/<int:pk>/publish/", views.course_publish, name="course_publish"),
    path("courses/<int:pk>/unpublish/", views.course_unpublish, name="course_unpublish"),
    path("courses/<int:pk>/delete/", views.course_delete, name="course_delete"),
    path("courses/<int:pk>/chapters/new/", views.chapter_create, name="chapter_create"),
    path("courses/chapters/<int:pk>/edit/", views.chapter_edit, name="chapter_edit"),
    path("courses/chapters/<int:pk>/move/", views.chapter_move, name="chapter_move"),
    path("courses/chapters/<int:pk>/delete/", views.chapter_delete, name="chapter_delete"),
    path("courses/chapters/<int:pk>/lessons/new/", views.lesson_create, name="lesson_create"),
    path("courses/lessons/<int:pk>/edit/", views.lesson_edit, name="lesson_edit"),
    path("courses/lessons/<int:pk>/move/", views.lesson_move, name="lesson_move"),
    path("courses/lessons/<int:pk>/delete/", views.lesson_delete, name="lesson_delete"),
    path("courses/lessons/<int:pk>/attachments/new/", views.attachment_add, name="attachment_add"),
    path("courses/attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
