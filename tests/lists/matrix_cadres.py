"""Permission-matrix rows of the cadre records (concatenated by tests/lists/matrix.py): pages and API.

Inside ``community`` a cadre secretary of a temporary branch below it holds a 2018 star and a promotion, both citing
that branch. The lists and the person's record need list.view (the community secretary, ``holder``; the record
page also opens to its own person, so only a user without a person lacks it); the forms, pickers, withdrawals and
writes need cadre.record (组织部, ``dept``, district-wide: no out-of-scope row)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tests.factories import make_person, make_post
from zongheng.core.permissions import Role
from zongheng.lists.models import CadreStar, Citation, Promotion
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    temp = Org.objects.add_child(community, instance=Org(
        name=f"{community.name}征迁临时党支部", level=grid.level, kind=OrgKind.TEMP_BRANCH, purpose="demolition",
        opened_on=dt.date(2018, 3, 1)))
    cadre = make_person(community, name="一线干部")
    make_post(cadre, temp, Role.SECRETARY, starts_on=dt.date(2018, 3, 1))
    now = timezone.now()
    star = CadreStar.objects.create(person=cadre, org=community, org_path=community.path, month=dt.date(2018, 5, 1),
                                    deeds="坚守征迁一线", selected_at=now)
    promotion = Promotion.objects.create(person=cadre, org=community, org_path=community.path,
                                         promoted_on=dt.date(2018, 9, 1), from_post="临时党支部书记",
                                         to_post="社区党委副书记", reason="征迁一线表现突出", recorded_at=now)
    Citation.objects.create(star=star, kind="temp_org", temp_org=temp, label=temp.name)
    Citation.objects.create(promotion=promotion, kind="temp_org", temp_org=temp, label=temp.name)
    return {"cd_person": cadre, "cd_star": star, "cd_promotion": promotion, "cd_temp": temp}


def routes(Route: Any) -> list[Any]:
    person = lambda o: {"pk": o["cd_person"].pk}  # noqa: E731
    return [
        Route("lists:cadre_stars"),
        Route("lists:cadre_promotions"),
        Route("lists:cadre_export"),
        Route("lists:cadre_person", person, self_service=True),
        Route("lists:cadre_star_new", holder="dept"),
        Route("lists:cadre_promotion_new", holder="dept"),
        Route("lists:cadre_pick_people", holder="dept"),
        Route("lists:cadre_pick_work", holder="dept"),
        Route("lists:cadre_star_withdraw", lambda o: {"pk": o["cd_star"].pk}, method="post", holder="dept",
              district_wide=True, in_scope=None),
        Route("lists:cadre_promotion_withdraw", lambda o: {"pk": o["cd_promotion"].pk}, method="post",
              holder="dept", district_wide=True, in_scope=None),
        Route("api:list_stars", api=True),
        Route("api:list_promotions", api=True),
        Route("api:person_work", lambda o: {"id": o["cd_person"].pk}, api=True, holder="dept", district_wide=True),
    ]


SHARED_PATH = {"api:create_star": "api:list_stars", "api:create_promotion": "api:list_promotions"}
BODIES: dict[str, Any] = {}
