"""Routes of 述职评议 (included by ``lists.urls``)."""

from django.urls import URLPattern, path

from . import views_evaluations as v

urlpatterns: list[URLPattern] = [
    path("lists/evaluations/", v.round_list, name="evals"),
    path("lists/evaluations/new/", v.round_new, name="eval_new"),
    path("lists/evaluations/pick-org/", v.org_pick, name="eval_org_pick"),
    path("lists/evaluations/<int:pk>/", v.round_detail, name="eval_round"),
    path("lists/evaluations/<int:pk>/edit/", v.round_edit, name="eval_edit"),
    path("lists/evaluations/<int:pk>/formula/", v.round_formula, name="eval_formula"),
    path("lists/evaluations/<int:pk>/subjects/add/", v.subjects_add, name="eval_subjects_add"),
    path("lists/evaluations/<int:pk>/subjects/<int:subject_pk>/", v.subject_detail, name="eval_subject"),
    path("lists/evaluations/<int:pk>/subjects/<int:subject_pk>/remove/", v.subject_remove,
         name="eval_subject_remove"),
    path("lists/evaluations/<int:pk>/subjects/<int:subject_pk>/notice.docx", v.notice_docx, name="eval_notice"),
    path("lists/evaluations/<int:pk>/raters/", v.raters, name="eval_raters"),
    path("lists/evaluations/<int:pk>/raters/pick-org/", v.member_org_pick, name="eval_member_org_pick"),
    path("lists/evaluations/<int:pk>/raters/people/", v.rater_people, name="eval_rater_people"),
    path("lists/evaluations/<int:pk>/raters/<int:rater_pk>/remove/", v.rater_remove, name="eval_rater_remove"),
    path("lists/evaluations/<int:pk>/move/<slug:move>/", v.round_move, name="eval_move"),
    path("lists/evaluations/<int:pk>/rate/", v.rate, name="eval_rate"),
    path("lists/evaluations/<int:pk>/rate/<int:subject_pk>/", v.rate_subject, name="eval_rate_subject"),
    path("lists/evaluations/<int:pk>/sheets/", v.sheet_new, name="eval_sheet"),
    path("lists/evaluations/<int:pk>/my-report/", v.my_report, name="eval_my_report"),
    path("lists/evaluations/<int:pk>/my-result/", v.my_result, name="eval_my_result"),
    path("lists/evaluations/<int:pk>/export.xlsx", v.export_xlsx, name="eval_export"),
]
