"""共驻共建: the module's one entry in the navigation — a hub with the figures of the user's scope, each
opening its rows (units, councils, agreements and their items, pairings and their pace, the three lists)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import has_perm, require
from zongheng.core.permissions import Perm

from . import selectors_agreements as agreements
from . import selectors_units as units
from .choices import AgreementState
from .figures_lists import figures as list_figures


@dataclass(frozen=True)
class HubFigure:
    label: str
    display: str
    url: str
    note: str = ""


def _url(name: str, query: str = "") -> str:
    return reverse(name) + (f"?{query}" if query else "")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The hub: counts of the user's scope, each a link to its rows. A constant number of queries."""
    user = request.user
    require(user, Perm.COBUILD_VIEW)
    today = timezone.localdate()
    active = agreements.agreements_in_scope(user).filter(state=AgreementState.ACTIVE).count()
    overdue = agreements.item_list(user, {"state": "overdue"}, today).count()
    due = agreements.item_list(user, {"state": "due"}, today).count()
    pairings = agreements.pairing_list(user, {"active": "1"}, today).count()
    behind = agreements.pairing_list(user, {"active": "1", "pace": "behind"}, today).count()
    sections = [
        ("驻区单位与大工委", [
            HubFigure("驻区单位", f"{units.units_in_scope(user).count()} 家", _url("cobuild:unit_list")),
            HubFigure("大工委/大党委", f"{units.councils_in_scope(user).count()} 个", _url("cobuild:council_list")),
            HubFigure("单位履职情况", f"{today.year} 年", _url("cobuild:perf_list"),
                      note="会议出席、项目按期完成、共建活动、解决问题、资源共享"),
        ]),
        ("项目认领", [
            HubFigure("履行中的认领书", f"{active} 份", _url("cobuild:agreements", f"state={AgreementState.ACTIVE}")),
            HubFigure("逾期未完成的项目", f"{overdue} 项", _url("cobuild:items", "state=overdue")),
            HubFigure("14 天内到期的项目", f"{due} 项", _url("cobuild:items", "state=due")),
        ]),
        ("结对共建", [
            HubFigure("进行中的结对", f"{pairings} 对", _url("cobuild:pairings", "active=1")),
            HubFigure("落后于活动进度", f"{behind} 对", _url("cobuild:pairings", "active=1&pace=behind"),
                      note="每年至少开展的共建活动按天折算，到今天应开展而未开展"),
        ]),
        ("三张清单", [HubFigure(f.label, f.display, f.url, f.note) for f in list_figures(user)[:4]]),
    ]
    return render(request, "cobuild/home.html", {
        "sections": sections, "can_change": has_perm(user, Perm.COBUILD_CHANGE),
        "my_unit": units.only_unit_of(user)})
