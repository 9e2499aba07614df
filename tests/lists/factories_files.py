"""A task list with every field set, built through the models, for the import and export tests; and a snapshot
of a list (every field, the tree by codes) to compare two lists."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook

from tests.factories import Tree, make_person, user_with_post
from zongheng.core.permissions import Role
from zongheng.lists.models import Milestone, SourceDocument, Standard, Task, TaskList
from zongheng.orgs.models import Person

D = dt.date


@dataclass
class Built:
    task_list: TaskList
    dept: Any  # 组织部 of the district: list.configure everywhere
    lead: Person
    pledger: Person
    tasks: dict[str, Task]


def build_list(tree: Tree, *, year: int = 2018, org: Any = None) -> Built:
    """The district's list: two documents, three standards, two top-level tasks (one split to both streets,
    one street's piece split again to a community), roadmaps with weights, plan and pledge fields."""
    org = org or tree.district
    dept = user_with_post(tree.district, Role.ORG_DEPT)
    lead = make_person(tree.district, name="王领衔")
    pledger = make_person(tree.streets[0], name="李签订")
    tl = TaskList.objects.create(org=org, org_path=org.path, year=year, title=f"{year}年重点任务清单", report_day=8)
    opinion = SourceDocument.objects.create(task_list=tl, kind="opinion", title="全面加强城市基层党建工作的意见",
                                            doc_no="迎发〔2018〕1号", issued_on=D(2018, 2, 20))
    SourceDocument.objects.create(task_list=tl, kind="supporting", title="全面建立街道大工委的实施意见", doc_no="",
                                  issued_on=None)
    stds = {code: Standard.objects.create(task_list=tl, code=code, group=group, title=title, text=text)
            for code, group, title, text in (("A-01", "街道党工委", "大工委运行规范", "每季度召开全体会议\n会议有记录"),
                                             ("A-02", "街道党工委", "书记助理下派", ""),
                                             ("B-01", "社区党组织", "=1+1 公式样的标准", "@危险"))}
    tasks: dict[str, Task] = {}

    def task(code: str, parent: str | None, org: Any, **kw: Any) -> Task:
        p = tasks[parent] if parent else None
        t = Task.objects.create(task_list=tl, parent=p, root=p.root if p else None, code=code,
                                title=kw.pop("title", f"任务{code}"), category=kw.pop("category", "组织体系"),
                                weight=kw.pop("weight", 1), org=org, org_path=org.path,
                                starts_on=kw.pop("starts_on", D(year, 1, 1)),
                                ends_on=kw.pop("ends_on", D(year, 12, 31)), **kw)
        if p is None:
            Task.objects.filter(pk=t.pk).update(root=t)
            t.root = t
        tasks[code] = t
        return t

    t1 = task("1", None, tree.district, title="全面建立街道大工委", weight=3, document=opinion, lead=lead,
              goal="各街道全部建立大工委", measures="制定实施意见\n吸收驻区单位参加", pledge_by=pledger,
              pledge_on=D(2018, 2, 1), pledge_text="按期完成，不折不扣")
    t1.standards.set([stds["A-01"], stds["A-02"]])
    task("1.1", "1", tree.streets[0], weight=2, title="第1街道建立大工委", starts_on=D(year, 2, 1))
    task("1.2", "1", tree.streets[1], title="-第2街道建立大工委", category="组织体系")
    task("1.1.1", "1.1", tree.communities[0], title="社区吸收驻区单位", ends_on=D(year, 6, 30))
    t2 = task("2", None, tree.streets[1], title="=HYPERLINK(\"http://evil.example\",\"点我\")", category="阵地建设",
              lead=lead)
    t2.standards.set([stds["B-01"]])
    for code, due, title, weight in (("1", D(year, 3, 31), "制定实施方案", 1),
                                     ("1.1", D(year, 6, 30), "建立大工委", 2),
                                     ("1.1", D(year, 9, 30), "召开第一次全体会议", 1),
                                     ("1.1.1", D(year, 5, 31), "签订共建协议", 1),
                                     ("2", D(year, 12, 31), "+阵地挂牌", 3)):
        Milestone.objects.create(task=tasks[code], title=title, due_on=due, weight=weight)
    return Built(tl, dept, lead, pledger, tasks)


def snapshot(task_list: TaskList) -> dict[str, Any]:
    """Every field of a list that an import writes, keyed by codes and titles (not ids)."""
    tl = TaskList.objects.get(pk=task_list.pk)
    tasks = {}
    for t in Task.objects.filter(task_list=tl).select_related("parent", "root", "document", "org", "lead",
                                                                "pledge_by").prefetch_related("standards",
                                                                                              "milestones"):
        tasks[t.code] = {
            "parent": t.parent.code if t.parent else None, "root": t.root.code if t.root else None,
            "title": t.title, "category": t.category, "weight": t.weight,
            "document": t.document.title if t.document else None,
            "standards": sorted(s.code for s in t.standards.all()), "org": t.org_id, "org_path": t.org_path,
            "lead": t.lead_id, "goal": t.goal, "measures": t.measures, "starts_on": t.starts_on,
            "ends_on": t.ends_on, "pledge_by": t.pledge_by_id, "pledge_on": t.pledge_on, "pledge_text": t.pledge_text,
            "milestones": sorted((m.due_on, m.title, m.weight, m.done_on) for m in t.milestones.all()),
        }
    return {
        "report_day": tl.report_day,
        "documents": sorted((d.kind, d.title, d.doc_no, d.issued_on) for d in tl.documents.all()),
        "standards": sorted((s.code, s.group, s.title, s.text) for s in tl.standards.all()),
        "tasks": tasks,
    }


def sheet_rows(content: bytes, sheet: str) -> list[list[Any]]:
    wb = load_workbook(io.BytesIO(content))
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def workbook(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content))


def to_bytes(wb: Any) -> io.BytesIO:
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf
