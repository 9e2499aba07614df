"""Personal-data retention: a finished import (done or failed) keeps no copy of the uploaded roster."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import user_with_post
from tests.orgs.test_import import last_job, login, member_row, upload, xlsx
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Role
from zongheng.orgs import importer
from zongheng.orgs.models import ImportJob, ImportStatus, Person


@pytest.fixture
def dept(tree: Any) -> Any:
    return user_with_post(tree.district, Role.ORG_DEPT)


def _stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "imports"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _unreadable() -> Any:
    """A workbook with nothing in it: no header a clerk could map, so the job fails at once."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    return SimpleUploadedFile("名册.xlsx", buf.getvalue())


@pytest.mark.parametrize("good", [True, False], ids=["done", "failed"])
def test_the_uploaded_file_is_deleted_when_the_job_finishes(tree, dept, django_capture_on_commit_callbacks, good):
    job = importer.do_create_job(dept, tree.district, xlsx([member_row(tree.grids[0])]) if good else _unreadable(), 1)
    name = job.file.name
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        job = importer.run_job(job.pk)
        if good:  # the preview keeps the file until the clerk confirms
            assert job.status == ImportStatus.PREVIEW and default_storage.exists(name)
            importer.do_change_options(dept, job, lambda options: None, confirm=True)
            job = importer.run_job(job.pk)

    assert job.status == (ImportStatus.DONE if good else ImportStatus.FAILED)
    assert not default_storage.exists(name)
    job = ImportJob.objects.get(pk=job.pk)
    assert not job.file and job.file_name == "名册.xlsx"
    assert bool(job.errors) is not good


def test_after_a_failed_upload_the_error_page_and_its_excel_still_work_without_the_file(
    tree, dept, django_capture_on_commit_callbacks
):
    client = login(dept)
    before = _stored_files()

    unreadable = _unreadable()
    unreadable.name = "三月名册.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tree.district, unreadable)

    job = last_job()
    assert job.status == ImportStatus.FAILED and not job.file
    assert _stored_files() <= before  # nothing of this upload is left in storage
    assert "三月名册.xlsx" in response.content.decode() and "找不到表头" in response.content.decode()
    page = client.get(reverse("orgs:import_job", args=[job.pk])).content.decode()
    assert "三月名册.xlsx" in page and "未导入任何人员" in page
    errors = client.get(reverse("orgs:import_errors", args=[job.pk]))
    rows = list(load_workbook(io.BytesIO(errors.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:3] == ("整个文件", None, "文件是空的：找不到表头（姓名、性别、身份证号码……）")


def test_after_a_successful_upload_nothing_of_the_file_is_left(tree, dept, django_capture_on_commit_callbacks):
    client = login(dept)
    before, people = _stored_files(), Person.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        upload(client, tree.district, xlsx([member_row(tree.grids[i]) for i in range(3)]))

    job = last_job()
    assert job.status == ImportStatus.DONE and Person.objects.count() - people == job.created_count == 3
    assert not job.file and _stored_files() <= before
    assert login(dept).get(reverse("orgs:import_job", args=[job.pk])).status_code == 200


def test_a_finished_job_without_its_file_cannot_be_imported_again(tree, dept, django_capture_on_commit_callbacks):
    job = importer.do_create_job(dept, tree.district, _unreadable(), 1)
    with django_capture_on_commit_callbacks(execute=True):
        importer.run_job(job.pk)

    with pytest.raises(ActionError, match="请重新上传"):
        importer.do_import_people(dept, job)
