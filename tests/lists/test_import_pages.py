"""The import page, its template and the export links: a good file imports and says what it wrote, a bad one
answers 400 with every problem (row and column in Chinese) and writes nothing; a street's organisation
department imports only inside its street (a row naming another street, or a cadre they cannot see, is that
row's error); the exports download as .xlsx and .docx."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import user_with_post
from tests.lists.factories_files import build_list, to_bytes, workbook
from tests.lists.factories_warn import file_report
from zongheng.core.permissions import Role
from zongheng.lists import exports_tasks, importer_tasks
from zongheng.lists.models import Task, TaskList

DAY = dt.date(2018, 5, 1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(content: bytes, name: str = "清单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def test_the_import_page_shows_the_form_the_template_link_and_the_columns(client, tree):
    built = build_list(tree)
    client.force_login(built.dept)
    page = client.get(reverse("lists:import")).content.decode()
    assert "导入任务清单" in page and reverse("lists:import_template") in page
    assert "领衔县处级干部" in page and "整体替换原清单" in page
    assert reverse("lists:export_xlsx", args=[built.task_list.pk]) in page
    assert reverse("lists:export_annual_docx", args=[built.task_list.pk]) in page
    assert "<script" not in page.split("</header>")[-1] and "onclick" not in page


def test_a_good_file_is_imported_and_the_page_says_what_it_wrote(client, tree):
    built = build_list(tree)
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, DAY)
    client.force_login(built.dept)
    response = client.post(reverse("lists:import"), {"org": tree.district.pk, "year": 2019, "title": "",
                                                     "report_day": 6, "file": upload(content)}, follow=True)
    tl = TaskList.objects.get(org=tree.district, year=2019)
    assert (tl.report_day, tl.title) == (6, "测试区2019年城市基层党建工作重点任务清单")
    said = "已导入“测试区2019年城市基层党建工作重点任务清单”：5 项任务、2 个来源文件、3 项标准"
    assert said in response.content.decode()
    assert Task.objects.filter(task_list=tl).count() == 5


def test_a_bad_file_answers_400_lists_the_rows_and_writes_nothing(client, tree):
    built = build_list(tree)
    wb = workbook(exports_tasks.task_list_xlsx(built.dept, built.task_list, DAY))
    ws = wb[importer_tasks.SHEET_TASKS]
    ws.cell(row=4, column=11, value="2018/13/01")
    client.force_login(built.dept)
    response = client.post(reverse("lists:import"), {"org": tree.district.pk, "year": 2019, "report_day": 5,
                                                     "file": upload(to_bytes(wb).getvalue())})
    assert response.status_code == 400
    page = response.content.decode()
    assert "未导入：有 1 处问题" in page and "第 4 行「完成时限」：日期格式应为 2018-12-31" in page
    assert not TaskList.objects.filter(year=2019).exists()


def test_a_list_with_reports_is_not_replaced_and_the_page_says_why(client, tree):
    built = build_list(tree)
    content = exports_tasks.task_list_xlsx(built.dept, built.task_list, DAY)
    file_report(built.tasks["1.2"], dt.date(2018, 3, 1), dt.date(2018, 4, 2))
    client.force_login(built.dept)
    response = client.post(reverse("lists:import"), {"org": tree.district.pk, "year": 2018, "report_day": 5,
                                                     "file": upload(content)})
    assert response.status_code == 400
    assert "测试区 2018 年的任务清单已有月度进展，不能用导入替换" in response.content.decode()


def test_a_file_that_is_not_xlsx_is_refused_by_the_form(client, tree):
    built = build_list(tree)
    client.force_login(built.dept)
    response = client.post(reverse("lists:import"), {"org": tree.district.pk, "year": 2019, "report_day": 5,
                                                     "file": upload(b"a,b", "清单.csv")})
    assert response.status_code == 400 and "只能上传 .xlsx" in response.content.decode()


def test_a_streets_department_imports_only_inside_its_street(client, tree):
    built = build_list(tree)
    street_dept = user_with_post(tree.streets[0], Role.ORG_DEPT)
    wb = workbook(importer_tasks.template_bytes())
    ws = wb[importer_tasks.SHEET_TASKS]
    ws.cell(row=3, column=8, value=built.lead.name)  # a district cadre: not in the street's scope
    ws.cell(row=3, column=9, value=tree.streets[1].name)  # another street
    ws.append(["2", "", "社区任务", "组织体系", 1, "", "", "", tree.communities[0].name, "2018-01-01", "2018-12-31"])
    client.force_login(street_dept)
    refused = client.post(reverse("lists:import"), {"org": tree.district.pk, "year": 2019, "report_day": 5,
                                                    "file": upload(to_bytes(wb).getvalue())})
    assert refused.status_code == 400 and "制发单位不存在或不在您的管辖范围内" in refused.content.decode()
    response = client.post(reverse("lists:import"), {"org": tree.streets[0].pk, "year": 2019, "report_day": 5,
                                                     "file": upload(to_bytes(wb).getvalue())})
    page = response.content.decode()
    assert response.status_code == 400
    assert f"第 3 行「责任单位」：“{tree.streets[1].name}”不存在或不在您的管辖范围内" in page
    assert f"第 3 行「领衔县处级干部」：您的管辖范围内没有名为“{built.lead.name}”的人员" in page
    assert "第 4 行" not in page  # the community of the street is in scope
    assert not TaskList.objects.filter(year=2019).exists()


def test_the_template_downloads_with_its_headers_and_an_example_row(client, tree):
    built = build_list(tree)
    client.force_login(built.dept)
    response = client.get(reverse("lists:import_template"))
    assert response["Content-Type"] == XLSX and "attachment" in response["Content-Disposition"]
    wb = workbook(response.content)
    assert wb.sheetnames == ["任务清单", "来源文件", "标准目录", "填写说明"]
    assert wb["来源文件"].cell(row=2, column=2).value == "全面加强城市基层党建工作的意见"


def test_the_exports_download_for_a_viewer_and_the_reports_month_is_chosen(client, tree):
    built = build_list(tree)
    file_report(built.tasks["1.2"], dt.date(2018, 3, 1), dt.date(2018, 4, 2))
    viewer = user_with_post(tree.streets[1], Role.SECRETARY)
    client.force_login(viewer)
    xlsx = client.get(reverse("lists:export_xlsx", args=[built.task_list.pk]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == XLSX
    url = reverse("lists:export_reports_docx", args=[built.task_list.pk])
    march = client.get(url, {"month": "2018-03"})
    assert march["Content-Type"] == exports_tasks.DOCX_MIME
    from docx import Document

    assert "2018年3月工作进展" in Document(io.BytesIO(march.content)).paragraphs[0].text
    assert client.get(url, {"month": "三月"}).status_code == 200  # unreadable: a month of the list's year
    annual = client.get(reverse("lists:export_annual_docx", args=[built.task_list.pk]))
    assert annual.status_code == 200 and "年度述评" in Document(io.BytesIO(annual.content)).paragraphs[0].text


def test_a_lead_cadre_without_a_post_exports_every_piece_of_the_tasks_they_lead(client, tree):
    from tests.factories import make_user
    from tests.lists.factories_files import sheet_rows

    built = build_list(tree)
    client.force_login(make_user(built.lead))
    response = client.get(reverse("lists:export_xlsx", args=[built.task_list.pk]))
    assert response.status_code == 200
    assert [r[0] for r in sheet_rows(response.content, "任务清单")[2:]] == ["1", "1.1", "1.1.1", "1.2", "2"]
    assert client.get(reverse("lists:import")).status_code == 403


def test_the_import_page_and_the_exports_take_a_bounded_number_of_queries(client, tree, django_assert_max_num_queries):
    built = build_list(tree)
    for year in range(2010, 2016):  # more lists: the page lists the latest 20 in one query
        TaskList.objects.create(org=tree.streets[year % 2], org_path=tree.streets[year % 2].path, year=year,
                                title=f"{year}年清单")
    client.force_login(built.dept)
    client.get(reverse("lists:import"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("lists:import")).status_code == 200
    for name in ("lists:export_xlsx", "lists:export_reports_docx", "lists:export_annual_docx"):
        with django_assert_max_num_queries(20):
            assert client.get(reverse(name, args=[built.task_list.pk])).status_code == 200
