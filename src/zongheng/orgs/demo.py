"""The demo district (迎江区, 2018). Built by ``manage.py demo``.

Scale 1 reproduces the shape of the seed article exactly, for any seed: 6 streets and
2 townships, 31 communities and 16 villages, 264 grid party organisations, 1,357
party-member central households (each linking 5–15 households), 64 temporary branches,
156 temporary groups, 24 functional organisations with 34 activity teams, 31 secretary
assistants and about 20,000 party members of every type. People are invented (Faker
zh_CN seeded by ``seed``); nobody named in the article gets an invented record.

Scale X > 1 puts a city (安庆市) above X copies of the district, for load work.

Everything is built with ``bulk_create``: tree paths (treebeard, 4 characters a level)
are computed here instead of one ``add_child`` per node. The same seed gives the same
names and the same structure (one ``random.Random(seed)`` and one seeded Faker).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError

from zongheng.core import audit
from zongheng.core.masking import id_check_char
from zongheng.core.permissions import Role

from .actions import _apply_numbers
from .choices import Bond, Gender, MemberType, OrgKind, TempPurpose
from .models import ActivityTeam, Level, LinkedHousehold, Org, Person, Post, fill_missing_codes

DEMO_PASSWORD = "zongheng-demo"  # noqa: S105 - demo mode only

# The demo accounts, one per role. The login page lists them in demo mode.
DEMO_ACCOUNTS: list[dict[str, str]] = [
    {"username": "district", "label": "区委组织部干部 · 迎江区", "role": Role.ORG_DEPT, "org": "迎江区"},
    {"username": "street", "label": "街道党工委书记 · 宜城路街道", "role": Role.SECRETARY, "org": "宜城路街道"},
    {"username": "community", "label": "社区党委书记 · 先锋社区", "role": Role.SECRETARY, "org": "先锋社区"},
    {"username": "grid", "label": "网格长 · 先锋社区第1网格", "role": Role.GRID_LEADER, "org": "先锋社区第1网格"},
    {"username": "household", "label": "党员中心户户主 · 先锋社区第1网格", "role": Role.HOUSEHOLD_HEAD,
     "org": "先锋社区第1网格的第一个党员中心户"},
    {"username": "member", "label": "普通党员（无职务） · 先锋社区", "role": "", "org": "先锋社区"},
    {"username": "auditor", "label": "审计员 · 迎江区", "role": Role.AUDITOR, "org": "迎江区"},
    {"username": "assistant", "label": "社区书记助理（宜城路街道下派） · 先锋社区", "role": Role.SECRETARY_ASSISTANT,
     "org": "先锋社区"},
    # Made by the co-building demo (cobuild.demo), on the unit's node.
    {"username": "liaison", "label": "驻区单位联络员 · 振发锻件公司", "role": Role.LIAISON, "org": "振发锻件公司"},
    {"username": "union", "label": "驻区单位联络员 · 市总工会", "role": Role.LIAISON, "org": "市总工会"},
]

# ------------------------------------------------------------------ reference data

DISTRICT = ("迎江区", "340802")
CITY = ("安庆市", "340800")
# Streets (codes 340802001–006) with their communities. 东正社区 is the 5th of 人民路街道
# (340802004005), 程家墩社区 the 3rd of 华中路街道 (340802003003), 秦潭湖社区 the 3rd of
# 滨江街道 (340802006003), as in public sources; the other placements are invented.
STREETS: list[tuple[str, list[str]]] = [
    ("宜城路街道", ["先锋社区", "龙山社区", "德宽路社区", "大观亭社区", "宜城路社区", "吕八街社区"]),
    ("新河路街道", ["地质社区", "新河社区", "锡麟社区", "康熙河社区", "光彩社区"]),
    ("华中路街道", ["炮营山社区", "司下坡社区", "程家墩社区", "华中社区", "墨子巷社区"]),
    ("人民路街道", ["人民路社区", "玉琳路社区", "四照园社区", "国货路社区", "东正社区", "西门社区"]),
    ("孝肃路街道", ["孝肃路社区", "枞阳门社区", "登云坡社区", "任家坡社区", "倒扒狮社区"]),
    ("滨江街道", ["滨江社区", "沿江社区", "秦潭湖社区", "湖心社区"]),
]
TOWNSHIPS: list[tuple[str, str, list[str]]] = [
    ("龙狮桥乡", "340802200", ["龙狮村", "新桥村", "高河埠村", "棋盘村", "兴旺村", "光明村", "张湖村", "新洲村"]),
    ("长风乡", "340802201", ["长风村", "同济村", "联合村", "丰收村", "三益村", "金星村", "沿湖村", "江滩村"]),
]
GRIDS = 264
HOUSEHOLDS = 1357
TEMP_BRANCHES = 64
TEMP_GROUPS = 156
MEMBERS = 20_000
# 先锋社区: 86 central households (the article); 东正社区: 194 members it manages and
# 203 双联双管 members registered with it (its public page).
XIANFENG, XIANFENG_GRIDS, XIANFENG_HOUSEHOLDS = "先锋社区", 10, 86
DONGZHENG, DONGZHENG_MEMBERS, DONGZHENG_REGISTERED = "东正社区", 194, 203
# Nobody named in the article gets an invented record.
REAL_NAMES = frozenset({"任秀英", "邓晓峰", "汪泽江"})
# Given names by gender (Faker's zh_CN male and female names draw from one list).
GIVEN_MALE = (
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 健 俊 帆 旭 宁 龙 林 阳 峰 建华 建国 志强 国强 "
    "海涛 文博 子豪 浩然 宇航 建军 永刚 卫东 晓东 国庆 德明 振华 小龙 俊杰 家豪 志刚 红兵 立新 学军 春生 长江 "
    "金平 庆丰 宏伟 新民 光明 天佑 明辉 永强 晓峰 思远 泽宇 博文 一鸣 家明 守业 福生 宝山"
).split()
GIVEN_FEMALE = (
    "芳 娜 敏 静 丽 艳 娟 霞 婷 雪 慧 莹 洁 琳 颖 倩 晶 燕 红 梅 兰 凤 琴 萍 玲 丹 蕾 薇 秀英 桂英 玉兰 秀兰 "
    "欣怡 雨涵 梓涵 诗琪 佳怡 晓红 丽华 春梅 桂芳 淑珍 美玲 海燕 秋菊 金凤 建英 秀珍 玉梅 翠花 晓燕 丽娟 雅婷 "
    "思琪 梦瑶 雨欣 婉婷 静怡 慧敏 月娥 素芬 凤英 彩霞 惠兰 淑华 玉珍"
).split()

# 功能型党组织 (24) with their activity teams (34): (name, bond, parent name, teams, description).
FUNCTIONAL: list[tuple[str, str, str, list[tuple[str, str]], str]] = [
    ("布贴剪纸党支部", Bond.INTEREST, "炮营山社区",
     [("布贴剪纸队", "布贴、剪纸创作与传习"), ("剪纸传习班", "带教学徒")], "以布贴剪纸为纽带的趣缘党支部"),
    ("书画党支部", Bond.INTEREST, "人民路街道", [("书画社", "书法、国画创作"), ("少儿书画班", "假期书画课堂")],
     "以书画为纽带的趣缘党支部"),
    ("根雕党小组", Bond.INTEREST, "长风乡",
     [("根雕工作坊", "根雕创作与展示"), ("根雕学徒班", "带教学徒")], "以根雕为纽带的趣缘党小组"),
    ("同心缘艺术馆党支部", Bond.INTEREST, "地质社区",
     [("同心缘艺术团", "艺术馆展演"), ("同心缘学徒班", "带教学徒"), ("同心缘志愿讲解队", "艺术馆讲解")],
     "地质社区“同心缘”艺术馆，2018年开放"),
    ("黄梅戏票友党小组", Bond.INTEREST, "孝肃路社区",
     [("黄梅戏票友会", "黄梅戏排练演出"), ("戏曲进社区小分队", "送戏进小区")], "以黄梅戏为纽带"),
    ("广场舞党小组", Bond.INTEREST, "滨江社区", [("滨江广场舞队", "广场舞"), ("滨江腰鼓队", "腰鼓")], "以健身为纽带"),
    ("太极拳党小组", Bond.INTEREST, "秦潭湖社区",
     [("秦潭湖太极队", "太极拳晨练"), ("健身气功队", "八段锦")], "以健身为纽带"),
    ("摄影党小组", Bond.INTEREST, "宜城路街道", [("宜城摄影协会", "城市影像记录")], "以摄影为纽带"),
    ("诗词楹联党小组", Bond.INTEREST, "龙山社区", [("诗词楹联社", "诗词创作与楹联")], "以诗词为纽带"),
    ("紫峰大厦党委", Bond.WORK, "人民路街道", [("楼宇青年志愿队", "楼宇志愿服务")], "商务楼宇党组织"),
    ("人民路商圈党委", Bond.WORK, "人民路街道", [("商圈诚信服务队", "商户诚信经营服务")], "商圈市场党组织"),
    ("快递物流行业党支部", Bond.WORK, "新河路街道", [("快递小哥志愿队", "社区送递、隐患上报")], "新业态行业党支部"),
    ("物业服务行业党支部", Bond.WORK, "华中路街道", [("物业红色服务队", "小区公共事务")], "物业行业党支部"),
    ("律师志愿党小组", Bond.WORK, "孝肃路街道", [("法律援助服务队", "社区法律咨询")], "以专业服务为纽带"),
    ("医护志愿党小组", Bond.WORK, "滨江街道", [("健康义诊队", "义诊与健康讲座")], "以专业服务为纽带"),
    ("教师志愿党小组", Bond.WORK, "宜城路街道", [("四点半课堂", "放学后课业辅导")], "以专业服务为纽带"),
    ("商户联合党支部", Bond.WORK, "墨子巷社区", [("商户服务队", "门前三包")], "沿街商户党支部"),
    ("老旧小区联合党支部", Bond.GEO, "德宽路社区", [("楼道长队伍", "楼道自治")], "以居住小区为纽带"),
    ("业委会党小组", Bond.GEO, "先锋社区", [("和解小分队", "邻里纠纷调解"), ("民情日记队", "走访记民情")],
     "以居住小区为纽带"),
    ("沿江小区党小组", Bond.GEO, "沿江社区", [("护河巡查队", "沿江巡查")], "以居住小区为纽带"),
    ("移民安置点党支部", Bond.GEO, "龙狮桥乡", [("安置点互助队", "邻里互助")], "以安置小区为纽带"),
    ("江滩种养党小组", Bond.GEO, "江滩村", [("种养互助组", "农技互助")], "以村组为纽带"),
    ("流动党员之家", Bond.GEO, "东正社区", [("流动党员服务队", "流动人口服务"), ("东正红色议事会", "居民议事")],
     "双联双管党员与流动党员的家"),
    ("退役军人党小组", Bond.GEO, "程家墩社区", [("老兵志愿队", "国防教育、义务巡逻")], "以退役军人为纽带"),
]

PROJECTS = [
    "沿江东路改造", "菱湖南路拓宽", "棚户区改造", "城市综合体建设", "老旧小区改造", "雨污分流", "滨江公园提升",
    "长江大桥接线", "学校新建", "农贸市场改造", "安置房建设", "文化中心建设",
]
MEMBER_TYPES: list[tuple[str, float]] = [
    (MemberType.EMPLOYED, 0.34), (MemberType.RETIRED, 0.38), (MemberType.MOBILE, 0.07),
    (MemberType.UNEMPLOYED, 0.12), (MemberType.STUDENT, 0.04), (MemberType.OTHER, 0.05),
]
PHONE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
                  "156", "157", "158", "159", "173", "177", "180", "181", "186", "187", "188", "189", "199"]
# Mostly 迎江区, some from elsewhere in 安庆.
ID_REGIONS = ["340802"] * 14 + ["340803", "340811", "340822", "340825", "340826", "340881"]
CHILD_LEVEL = {"street": "community", "township": "village", "community": "grid", "village": "grid"}


@dataclass
class Built:
    """What a build created, for the command's summary and for callers."""

    root: Org
    districts: list[Org]
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Unit:
    """A community or village of one district copy, with what was made below it."""

    org: Org
    street: Org
    grids: list[Org] = field(default_factory=list)
    households: list[Org] = field(default_factory=list)
    members: list[Person] = field(default_factory=list)


class _Builder:
    def __init__(self, seed: int, scale: int, year: int, log: Callable[[str], None]) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.scale, self.year, self.log = scale, year, log
        self.levels = {lv.code: lv for lv in Level.objects.all()}
        self.orgs: list[Org] = []
        self.children: dict[int, list[Org]] = defaultdict(list)
        self.people: list[Person] = []
        self.posts: list[tuple[Person, str, Org, dt.date, dt.date | None, Org | None]] = []
        self.linked: list[tuple[Org, str, str]] = []
        self.teams: list[tuple[ActivityTeam, list[Person]]] = []
        self.head_names: dict[int, tuple[str, str]] = {}
        self.team_specs: dict[int, list[tuple[str, str]]] = {}
        self.phones: set[str] = set()
        self.ids: set[str] = set()

    # -------------------------------------------------------------- small helpers

    def _org(self, parent: Org | None, name: str, level: str, **kw: Any) -> Org:
        org = Org(name=name, level=self.levels[level], **kw)
        self.orgs.append(org)
        if parent is not None:
            self.children[id(parent)].append(org)
        return org

    def _date(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def _name(self, gender: str) -> str:
        while True:
            given = GIVEN_MALE if gender == Gender.MALE else GIVEN_FEMALE
            name = self.fake.last_name() + self.rng.choice(given)
            if name not in REAL_NAMES:
                return name

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _id_number(self, birth_year: int, gender: str) -> str:
        while True:
            birth = dt.date(birth_year, self.rng.randint(1, 12), self.rng.randint(1, 28))
            seq = self.rng.randrange(100) * 10 + self.rng.choice((1, 3, 5, 7, 9) if gender == "M" else (0, 2, 4, 6, 8))
            first17 = f"{self.rng.choice(ID_REGIONS)}{birth:%Y%m%d}{seq:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def _person(self, org: Org, *, member: bool = True, member_type: str = "", name: str = "", gender: str = "",
                cadre: bool = False) -> Person:
        gender = gender or (Gender.MALE if self.rng.random() < 0.52 else Gender.FEMALE)
        name = name or self._name(gender)
        joined_on = None
        if member:
            if not member_type:
                member_type = MemberType.EMPLOYED if cadre else self._member_type()
            birth_year = self._birth_year(member_type, cadre)
            joined_on = self._date(dt.date(min(birth_year + 18, self.year - 1), 1, 1),
                                   dt.date(min(birth_year + 45, self.year - 1), 12, 31))
        else:
            member_type = ""
            birth_year = self.rng.randint(1940, 2008)
        person = Person(name=name, gender=gender, birth_year=birth_year, is_party_member=member,
                        member_type=member_type, joined_on=joined_on, org=org, org_path=org.path)
        _apply_numbers(person, self._phone(), self._id_number(birth_year, gender))
        self.people.append(person)
        return person

    def _member_type(self) -> str:
        x, acc = self.rng.random(), 0.0
        for code, weight in MEMBER_TYPES:
            acc += weight
            if x < acc:
                return code
        return MemberType.OTHER

    def _birth_year(self, member_type: str, cadre: bool) -> int:
        y = self.year
        if cadre:
            return self.rng.randint(y - 58, y - 28)
        if member_type == MemberType.RETIRED:
            return self.rng.randint(y - 90, y - 58)
        if member_type == MemberType.STUDENT:
            return self.rng.randint(y - 24, y - 18)
        return self.rng.randint(y - 60, y - 20)

    def _post(self, person: Person, role: str, org: Org, *, starts_on: dt.date | None = None,
              ends_on: dt.date | None = None, sent_from: Org | None = None) -> None:
        starts_on = starts_on or self._date(dt.date(self.year - 5, 1, 1), dt.date(self.year - 1, 12, 31))
        self.posts.append((person, role, org, starts_on, ends_on, sent_from))

    @staticmethod
    def _spread(total: int, slots: int, base: int, rng: random.Random, weights: list[float] | None = None) -> list[int]:
        """``total`` split over ``slots``: ``base`` each, the rest drawn at random (weighted)."""
        counts = [base] * slots
        for i in rng.choices(range(slots), weights=weights, k=total - base * slots):
            counts[i] += 1
        return counts

    # -------------------------------------------------------------- the tree

    def tree(self) -> tuple[Org, list[tuple[Org, list[_Unit], list[Org]]]]:
        root: Org | None = None
        if self.scale > 1:
            root = self._org(None, CITY[0], "city", code=CITY[1])
        copies = []
        for k in range(1, self.scale + 1):
            suffix = "" if k == 1 else f"-{k}"
            copies.append(self._district(root, suffix))
        top = root if root is not None else copies[0][0]
        self._assign_paths(top)
        return top, copies

    def _district(self, city: Org | None, suffix: str) -> tuple[Org, list[_Unit], list[Org]]:
        rng = self.rng
        district = self._org(city, DISTRICT[0] + suffix, "district", code=DISTRICT[1] + suffix)
        units: list[_Unit] = []
        streets: list[Org] = []
        for i, (name, communities) in enumerate(STREETS, start=1):
            code = f"{DISTRICT[1]}{i:03d}"
            street = self._org(district, name, "street", code=code + suffix)
            streets.append(street)
            for j, cname in enumerate(communities, start=1):
                org = self._org(street, cname, "community", code=f"{code}{j:03d}{suffix}")
                units.append(_Unit(org, street))
        for name, code, villages in TOWNSHIPS:
            township = self._org(district, name, "township", code=code + suffix)
            streets.append(township)
            for j, vname in enumerate(villages, start=1):
                org = self._org(township, vname, "village", code=f"{code}{j:03d}{suffix}")
                units.append(_Unit(org, township))

        # 264 grids over the 47 communities and villages (先锋社区: 10), at least 3 each.
        xf = next(i for i, u in enumerate(units) if u.org.name == XIANFENG)
        others = [i for i in range(len(units)) if i != xf]
        weights = [2.0 if units[i].org.level.code == "community" else 1.0 for i in others]
        spread = self._spread(GRIDS - XIANFENG_GRIDS, len(others), 3, rng, weights)
        grids_per = dict(zip(others, spread, strict=True)) | {xf: XIANFENG_GRIDS}
        for i, unit in enumerate(units):
            for g in range(1, grids_per[i] + 1):
                unit.grids.append(self._org(unit.org, f"{unit.org.name}第{g}网格", "grid"))
        # 1,357 central households over the grids (先锋社区: 86), at least 3 a grid.
        xf_grids = units[xf].grids
        other_grids = [g for i, u in enumerate(units) if i != xf for g in u.grids]
        per_grid = dict(zip(map(id, xf_grids), self._spread(XIANFENG_HOUSEHOLDS, len(xf_grids), 8, rng), strict=True))
        per_grid |= dict(zip(map(id, other_grids),
                             self._spread(HOUSEHOLDS - XIANFENG_HOUSEHOLDS, len(other_grids), 3, rng), strict=True))
        for unit in units:
            for grid in unit.grids:
                for _ in range(per_grid[id(grid)]):
                    gender = Gender.MALE if rng.random() < 0.5 else Gender.FEMALE
                    head = self._name(gender)
                    household = self._org(grid, f"{head}党员中心户", "household",
                                          address=self._address(unit.org))
                    self.head_names[id(household)] = (head, gender)
                    unit.households.append(household)
                    for _ in range(rng.randint(5, 15)):
                        self.linked.append((household, self._address(unit.org), self._name(rng.choice("MF"))))

        # 64 temporary branches and 156 temporary groups at the front lines, 2017–2018.
        temps: list[Org] = []
        hosts = streets + [u.org for u in units]
        for kind, n in ((OrgKind.TEMP_BRANCH, TEMP_BRANCHES), (OrgKind.TEMP_GROUP, TEMP_GROUPS)):
            for _ in range(n):
                parent = rng.choice(hosts) if kind == OrgKind.TEMP_BRANCH else rng.choice(units).org
                temps.append(self._temporary(parent, kind))

        # 功能型党组织 and their activity teams.
        by_name = {o.name: o for o in [*streets, *(u.org for u in units)]}
        for name, bond, parent_name, teams, description in FUNCTIONAL:
            parent = by_name[parent_name]
            org = self._org(parent, name, CHILD_LEVEL[parent.level.code], kind=OrgKind.FUNCTIONAL, bond=bond,
                            description=description, opened_on=self._date(dt.date(self.year - 3, 1, 1),
                                                                          dt.date(self.year, 6, 30)))
            if name.startswith("同心缘"):
                org.opened_on = dt.date(self.year, 3, 1)
            temps.append(org)
            self.team_specs[id(org)] = teams
        return district, units, temps

    def _temporary(self, parent: Org, kind: str) -> Org:
        rng = self.rng
        purpose = rng.choices([p.value for p in TempPurpose], weights=[30, 30, 25, 10, 5])[0]
        noun = "临时党支部" if kind == OrgKind.TEMP_BRANCH else "临时党小组"
        where = parent.name
        if purpose == TempPurpose.PROJECT:
            name = f"{rng.choice(PROJECTS)}项目{noun}"
        elif purpose == TempPurpose.DEMOLITION:
            name = f"{where}第{rng.randint(1, 9)}片区征迁{noun}"
        elif purpose == TempPurpose.FLOOD:
            name = f"{where}第{rng.randint(1, 30)}堤段防汛{noun}"
        elif purpose == TempPurpose.STABILITY:
            name = f"{where}信访维稳{noun}"
        else:
            name = f"{where}创建文明城市{noun}"
        if purpose == TempPurpose.FLOOD:
            opened = self._date(dt.date(self.year - 1, 6, 1), dt.date(self.year - 1, 7, 15))
            if rng.random() < 0.5:
                opened = opened.replace(year=self.year)
        else:
            opened = self._date(dt.date(self.year - 1, 1, 1), dt.date(self.year, 11, 30))
        closed = None
        if rng.random() < (0.7 if purpose == TempPurpose.FLOOD else 0.25):
            closed = opened + dt.timedelta(days=rng.randint(30, 240))
            if closed > dt.date(self.year, 12, 31):
                closed = None
        return self._org(parent, name, CHILD_LEVEL[parent.level.code], kind=kind, purpose=purpose,
                         opened_on=opened, closed_on=closed)

    def _address(self, unit: Org) -> str:
        rng = self.rng
        if unit.level.code == "village":
            return f"{unit.name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
        estate = unit.name.removesuffix("社区")
        return f"{estate}小区{rng.randint(1, 40)}栋{rng.randint(1, 6)}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}室"

    def _assign_paths(self, root: Org) -> None:
        root.depth, root.path = 1, Org._get_path(None, 1, 1)
        stack = [root]
        while stack:
            node = stack.pop()
            kids = self.children.get(id(node), [])
            node.numchild = len(kids)
            for n, child in enumerate(kids, start=1):
                child.depth = node.depth + 1
                child.path = Org._get_path(node.path, child.depth, n)
                stack.append(child)

    # -------------------------------------------------------------- people and posts

    def people_and_posts(self, copies: list[tuple[Org, list[_Unit], list[Org]]]) -> dict[str, Any]:
        rng = self.rng
        first: dict[str, Any] = {}
        for index, (district, units, extras) in enumerate(copies):
            start = len(self.people)
            streets = list(self.children[id(district)])
            cadres = 0
            for street in streets:
                self._post(self._person(street, cadre=True), Role.SECRETARY, street)
                cadres += 1
            assistants: dict[int, Person] = {}
            for unit in units:
                self._post(self._person(unit.org, cadre=True), Role.SECRETARY, unit.org)
                cadres += 1
                if unit.org.level.code == "community":
                    person = self._person(unit.street, cadre=True)
                    self._post(person, Role.SECRETARY_ASSISTANT, unit.org, sent_from=unit.street,
                               starts_on=self._date(dt.date(self.year, 1, 1), dt.date(self.year, 6, 30)))
                    assistants[id(unit.org)] = person
                    cadres += 1
                for grid in unit.grids:
                    leader = self._person(grid, cadre=True)
                    self._post(leader, Role.GRID_LEADER, grid)
                    unit.members.append(leader)
                    cadres += 1
                for household in unit.households:
                    name, gender = self.head_names[id(household)]
                    head = self._person(household, name=name, gender=gender, member_type=self._member_type())
                    self._post(head, Role.HOUSEHOLD_HEAD, household)
                    unit.members.append(head)
                    cadres += 1
            dept = self._person(district, cadre=True)
            self._post(dept, Role.ORG_DEPT, district)
            auditor = self._person(district, cadre=True)
            self._post(auditor, Role.AUDITOR, district)
            cadres += 2

            # Ordinary members: district and street organs, then every community and village
            # (东正社区 so that it manages exactly 194), spread over its own level, grids and households.
            organ: list[Person] = [self._person(district) for _ in range(60)]
            for street in streets:
                organ += [self._person(street) for _ in range(25)]
            remaining = MEMBERS - cadres - len(organ)
            dz = next(u for u in units if u.org.name == DONGZHENG)
            dz_cadres = 1 + len(dz.grids) + len(dz.households)  # secretary, grid leaders, household heads
            dz_quota = DONGZHENG_MEMBERS - dz_cadres
            others = [u for u in units if u is not dz]
            weights = [rng.uniform(0.7, 1.3) * (1.0 if u.org.level.code == "community" else 0.6) for u in others]
            quotas = self._spread(remaining - dz_quota, len(others), 0, rng, weights)
            for unit, quota in [*zip(others, quotas, strict=True), (dz, dz_quota)]:
                self._unit_members(unit, quota)

            # 双联双管: employed members registered with a residential community other than their own.
            communities = [u for u in units if u.org.level.code == "community"]
            employed = [p for p in self.people[start:] if p.member_type == MemberType.EMPLOYED
                        and not p.org_path.startswith(dz.org.path)]
            picked = rng.sample(employed, DONGZHENG_REGISTERED)
            for p in picked:
                self._register(p, dz.org)
            chosen = {id(p) for p in picked}
            for p in employed:
                if id(p) not in chosen and rng.random() < 0.12:
                    target = rng.choice(communities).org
                    if target is not dz.org and not p.org_path.startswith(target.path):
                        self._register(p, target)

            # Secretaries of temporary and functional organisations: a member from the area they serve;
            # residents in the activity teams of functional organisations.
            area: dict[str, list[Person]] = {u.org.path: u.members for u in units}
            for org in extras:
                parent_path = org.path[: -Org.steplen]
                pool = area.get(parent_path) or organ
                self._post(rng.choice(pool), Role.SECRETARY, org, starts_on=org.opened_on, ends_on=org.closed_on)
                for team_name, activity in self.team_specs.get(id(org), []):
                    home = self._home_community(org, units)
                    team = ActivityTeam(org=org, name=team_name, activity=activity,
                                        founded_on=self._date(org.opened_on or dt.date(self.year - 1, 1, 1),
                                                              dt.date(self.year, 9, 30)))
                    residents = [self._person(home, member=False) for _ in range(rng.randint(8, 25))]
                    self.teams.append((team, residents))

            if index == 0:
                xf = next(u for u in units if u.org.name == XIANFENG)
                first = {"district": district, "dept": dept, "auditor": auditor, "xianfeng": xf,
                         "assistant": assistants[id(xf.org)]}
        return first

    def _unit_members(self, unit: _Unit, quota: int) -> None:
        rng = self.rng
        for _ in range(quota):
            x = rng.random()
            if x < 0.35 or not unit.grids:
                org = unit.org
            elif x < 0.7:
                org = rng.choice(unit.grids)
            else:
                org = rng.choice(unit.households)
            unit.members.append(self._person(org))

    def _register(self, person: Person, community: Org) -> None:
        person.registered_org = community
        person.registered_path = community.path

    def _home_community(self, org: Org, units: list[_Unit]) -> Org:
        parent_path = org.path[: -Org.steplen]
        for unit in units:
            if unit.org.path == parent_path:
                return unit.org
        return self.rng.choice([u.org for u in units if u.org.path.startswith(parent_path)])

    # -------------------------------------------------------------- writing

    def save(self) -> None:
        """Writes people, posts, linked households and teams (the tree is already saved)."""
        batch = 2000
        Person.objects.bulk_create(self.people, batch_size=batch)
        self.log(f"人员 {len(self.people)} 名已写入")
        Post.objects.bulk_create(
            [Post(person=p, role=role, org=org, starts_on=s, ends_on=e, sent_from=f)
             for p, role, org, s, e, f in self.posts], batch_size=batch)
        LinkedHousehold.objects.bulk_create(
            [LinkedHousehold(central=o, address=a, contact_name=n) for o, a, n in self.linked], batch_size=batch)
        ActivityTeam.objects.bulk_create([t for t, _ in self.teams], batch_size=batch)
        through = ActivityTeam.participants.through
        through.objects.bulk_create(
            [through(activityteam_id=t.pk, person_id=p.pk) for t, people in self.teams for p in people],
            batch_size=batch)


# ------------------------------------------------------------------ public entry points


def build(seed: int = 2018, scale: int = 1, year: int = 2018, log: Callable[[str], None] | None = None) -> Built:
    """Builds the demo district (or a city of ``scale`` districts) in one transaction."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    log = log or (lambda _msg: None)
    builder = _Builder(seed, scale, year, log)
    with transaction.atomic():
        root, copies = builder.tree()
        # Streets, townships, communities and villages publish an office phone (their 党群服务中心).
        phones = random.Random(seed * 31 + 5)
        for org in builder.orgs:
            if org.kind == OrgKind.REGULAR and org.level.code in ("street", "township", "community", "village"):
                org.office_phone = f"0556-55{phones.randrange(100000):05d}"
        # Orgs must exist (pk) before people reference them, so save the tree first.
        Org.objects.bulk_create(builder.orgs, batch_size=2000)
        fill_missing_codes(Org)  # grids, central households …: every org carries a code (issue 15)
        log(f"组织 {len(builder.orgs)} 个已写入")
        from .demo_places import build_places

        n_places, n_areas, n_outlines = build_places(copies, seed)  # what each grid covers, its boundary, outlines
        log(f"网格地点 {n_places} 个、网格范围 {n_areas} 个、组织范围 {n_outlines} 个已写入")
        first = builder.people_and_posts(copies)
        builder.save()
        accounts = _demo_accounts(builder, first)
        built = Built(root=root, districts=[c[0] for c in copies], accounts=accounts)
        built.counts = summary(root)
        audit.record(None, "demo.build", root,
                     after={"seed": seed, "scale": scale, "year": year} | built.counts)
    return built


def _demo_accounts(builder: _Builder, first: dict[str, Any]) -> list[dict[str, str]]:
    from zongheng.accounts.models import User

    xf: _Unit = first["xianfeng"]
    street = xf.street
    grid = xf.grids[0]
    household = next(h for h in xf.households if h.path.startswith(grid.path))
    by_org_role = {(org.pk, role): person for person, role, org, *_ in builder.posts}
    has_post = {id(person) for person, *_ in builder.posts}
    member = next(p for p in xf.members if id(p) not in has_post and p.is_party_member and not p.registered_org_id)
    people = {
        "district": first["dept"],
        "street": by_org_role[(street.pk, Role.SECRETARY)],
        "community": by_org_role[(xf.org.pk, Role.SECRETARY)],
        "grid": by_org_role[(grid.pk, Role.GRID_LEADER)],
        "household": by_org_role[(household.pk, Role.HOUSEHOLD_HEAD)],
        "member": member,
        "auditor": first["auditor"],
        "assistant": first["assistant"],
    }
    orgs = {"district": first["district"], "street": street, "community": xf.org, "grid": grid,
            "household": household, "member": member.org, "auditor": first["district"], "assistant": xf.org}
    from django.contrib.auth.hashers import make_password

    hashed = make_password(DEMO_PASSWORD)  # one (slow, Argon2) hash for all demo accounts
    rows = []
    for spec in DEMO_ACCOUNTS:
        username = spec["username"]
        if username not in people:
            continue  # a liaison account: cobuild.demo makes it with the unit
        person = people[username]
        user, _ = User.objects.get_or_create(username=username)
        user.person = person
        user.is_demo, user.must_change_password, user.is_active = True, False, True
        user.first_name = person.name
        user.password = hashed
        user.save()
        rows.append({"username": username, "label": spec["label"].split(" · ")[0], "org": orgs[username].name,
                     "name": person.name})
    return rows


def summary(root: Org) -> dict[str, int]:
    """Direct counts of what lies under ``root`` (for the command's report and the audit record)."""
    below = Org.objects.filter(path__startswith=root.path)
    out: dict[str, int] = {}
    for code in ("district", "street", "township", "community", "village", "grid", "household"):
        out[code] = below.filter(level__code=code, kind=OrgKind.REGULAR).count()
    for kind in (OrgKind.TEMP_BRANCH, OrgKind.TEMP_GROUP, OrgKind.FUNCTIONAL):
        out[kind] = below.filter(kind=kind).count()
    people = Person.objects.filter(org_path__startswith=root.path)
    out["members"] = people.filter(is_party_member=True).count()
    out["registered"] = people.filter(registered_org__isnull=False).count()
    out["residents"] = people.filter(is_party_member=False).count()
    out["linked_households"] = LinkedHousehold.objects.filter(central__path__startswith=root.path).count()
    out["teams"] = ActivityTeam.objects.filter(org__path__startswith=root.path).count()
    out["secretary_assistants"] = Post.objects.filter(org__path__startswith=root.path,
                                                      role=Role.SECRETARY_ASSISTANT).count()
    return out


def login_summary() -> list[str]:
    """What the demo district holds, counted from the records (for the login page in demo mode)."""
    from django.db.models import Count

    root = Org.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return []
    below = Org.objects.filter(path__startswith=root.path, kind=OrgKind.REGULAR)
    by_level = {row["level__code"]: row["n"]
                for row in below.order_by().values("level__code").annotate(n=Count("id"))}
    members = Person.objects.filter(org_path__startswith=root.path, is_party_member=True).count()
    parts = [f"{by_level.get(code, 0):,} 个{label}" for code, label in
             (("street", "街道"), ("township", "乡"), ("community", "社区"), ("village", "村"),
              ("grid", "网格"), ("household", "党员中心户"))]
    return [f"{root.name}：" + "、".join(parts) + f"，党员 {members:,} 名。"]


def demo_accounts() -> list[dict[str, str]]:
    """The demo accounts as they stand in the database (username, role label, org, name)."""
    from zongheng.accounts.models import User

    users = {u.username: u for u in User.objects.filter(is_demo=True).select_related("person__org")}
    rows = []
    for spec in DEMO_ACCOUNTS:
        user = users.get(spec["username"])
        if user is None:
            continue
        person = user.person
        post = (Post.objects.filter(person=person, role=spec["role"]).select_related("org").first()
                if person and spec["role"] else None)
        org = post.org if post else (person.org if person else None)
        rows.append({"username": user.username, "label": spec["label"].split(" · ")[0],
                     "org": org.name if org else "", "name": person.name if person else ""})
    return rows


def reset() -> None:
    """Deletes every organisation, person, post and non-superuser account (demo data and all).

    Rows of other modules that point at organisations or people are deleted first. The
    audit log is append-only: accounts it names are kept, detached and deactivated. The cache is emptied: a
    rebuilt district has the same paths, and must not show the figures counted on the old one.
    """
    from zongheng.accounts.models import User
    from zongheng.core.models import AuditLog

    ours: set[type[models.Model]] = {Org, Person, Post, LinkedHousehold, ActivityTeam, User, AuditLog, Level}
    ours.add(ActivityTeam.participants.through)
    with transaction.atomic():
        _delete_dependents(ours)  # first: other modules' rows may hold households and teams (民情日记)
        ActivityTeam.participants.through.objects.all().delete()
        ActivityTeam.objects.all().delete()
        LinkedHousehold.objects.all().delete()
        Post.objects.all().delete()
        User.objects.exclude(person=None).update(person=None)
        named = AuditLog.objects.filter(actor__isnull=False).values("actor_id")
        try:
            with transaction.atomic():
                User.objects.filter(is_superuser=False).exclude(pk__in=named).delete()
        except (ProtectedError, RestrictedError):
            pass  # other records name them: they are deactivated below instead
        User.objects.filter(is_superuser=False).update(is_active=False)
        Person.objects.all().delete()
        Org.objects.filter(depth=1).delete()
    cache.clear()  # the figures' snapshots (core.snapshot) were counted on the data now gone


def _delete_dependents(ours: set[type[models.Model]]) -> None:
    """Deletes rows of other apps' models that reference Org or Person (they block the reset)."""
    pending = []
    for model in apps.get_models():
        if model in ours:
            continue
        for f in model._meta.get_fields():
            if getattr(f, "concrete", False) and f.is_relation and f.related_model in (Org, Person):
                pending.append(model)
                break
    for _ in range(2 * len(apps.get_models())):
        if not pending:
            return
        failed = []
        for model in pending:
            try:
                with transaction.atomic():
                    qs: QuerySet[Any] = model._default_manager.all()
                    # A row that points at another row of its own table (a demand merged into
                    # another) would protect it from the delete: let go of those links first.
                    own = [f.name for f in model._meta.concrete_fields
                           if f.is_relation and f.related_model is model and f.null]
                    if own:
                        qs.update(**dict.fromkeys(own))
                    qs.delete()
            except (ProtectedError, RestrictedError) as e:
                failed.append(model)
                # Rows of a table that points at no organisation hold them (a match holds its need): theirs first.
                blockers = getattr(e, "protected_objects", None) or getattr(e, "restricted_objects", None) or ()
                failed += [m for m in {type(obj) for obj in blockers} if m not in ours and m not in failed]
            except PermissionError:
                failed.append(model)
        pending = failed
