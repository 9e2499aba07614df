"""Routes of the task list (任务清单) and 一清单's hub (included by ``lists.urls``)."""

from django.urls import URLPattern, path

from . import views_home
from . import views_tasks as v

urlpatterns: list[URLPattern] = [
    path("lists/", views_home.home, name="home"),
    path("lists/tasks/", v.task_list, name="tasks"),
    path("lists/tasks/<int:pk>/", v.task_detail, name="task"),
    path("lists/tasks/<int:pk>/split/", v.task_split, name="task_split"),
    path("lists/tasks/<int:pk>/plan/", v.task_plan, name="task_plan"),
    path("lists/tasks/<int:pk>/annual/", v.task_annual, name="task_annual"),
    path("lists/tasks/<int:pk>/milestones/new/", v.milestone_new, name="milestone_new"),
    path("lists/milestones/<int:pk>/edit/", v.milestone_edit, name="milestone_edit"),
    path("lists/milestones/<int:pk>/meet/", v.milestone_meet, name="milestone_meet"),
    path("lists/milestones/<int:pk>/evidence/", v.milestone_evidence, name="milestone_evidence"),
    path("lists/tasks/<int:pk>/files/<slug:kind>/", v.task_file, name="task_file"),
    path("lists/milestones/<int:pk>/remove/", v.milestone_remove, name="milestone_remove"),
    path("lists/tasks/<int:pk>/reports/new/", v.report_new, name="report_new"),
    path("lists/reports/<int:pk>/", v.report_detail, name="report"),
    path("lists/reports/<int:pk>/edit/", v.report_edit, name="report_edit"),
    path("lists/reports/<int:pk>/review/", v.report_review, name="report_review"),
    path("lists/<int:pk>/quarters/new/", v.review_quarter_new, name="review_quarter_new"),
    path("lists/quarters/<int:pk>/", v.review_quarter, name="review_quarter"),
]
