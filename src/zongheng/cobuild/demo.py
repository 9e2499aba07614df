"""一横 in the demo district: the article's horizontal line for 2018, and a live slice around today.

``build(district, seed, year)`` writes, for one district copy (from ``random.Random(seed)``, never typed
figures): about 110 stationed units — the five the article names (振发锻件公司, 紫峰大厦党委, 人民路商圈党委,
市总工会, 绿地集团安庆置业有限公司) and invented agencies, institutions, state-owned and non-public
enterprises and social organisations of every level — each a node of the tree (level ``unit``) under the
street or community where it sits, with its party secretary; 6 街道大工委 with 60+ unit members and 31
社区大党委 with 70+ (21 of them 县处级 cadres of 市直 units) and street cadres sent to community councils
(the 书记助理) and to the 紫峰大厦/人民路商圈 party committees; 100+ claim agreements whose items of the
three kinds solved nearly a hundred problems (linked to closed demands of the year where there are some) —
a year that is over ends as a finished year does: every item done (some late) or dropped, every agreement
done (or ended when all its items were dropped), so no overdue warning comes from years past;
36 agency and 45 enterprise/social-organisation pairings with communities (振发锻件公司 with 炮营山社区)
and 31 pairings with communities in 苏浙沪, with the year's joint activities (a few pairings behind
pace); 200+ list entries, 30+ idle resources put to use by accepted matches (each an item of 资源联享),
500,000+ yuan of support raised and 2,400+ m² of premises that 市总工会 and 绿地集团安庆置业, members of their
street's 大工委, give to communities of that street (the other shared venues come from units without a street
council seat, so ``metrics``' horizontal.space_m2 reads the article's figure).
Unit members attend the held joint meetings of their council's organisation in the year.

``build_live(district, seed)`` adds this year up to today: the pairings' activities (a few behind
pace), agreements signed this year with items due soon and a handful overdue — the liaison demo accounts'
units and a unit of the demo community (先锋社区, in the demo street) among them, so that their warnings
and to-dos have something — and a few open needs that the matching can propose resources for.

Rows are written with ``bulk_create`` directly on the models (demo history, nobody's audited writes);
every copied path (``org_path``, ``unit_path``, ``place_path``) is the row's real organisation's path.
Times of creation are the simulated ones (``_history``), not the build's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from zongheng.core.permissions import Role
from zongheng.orgs.choices import Gender, MemberType, OrgKind
from zongheng.orgs.models import Level, Org, Person, Post, fill_missing_codes

from .choices import (
    ActivityKind,
    AgreementState,
    ItemKind,
    ItemState,
    NeedState,
    PartnerKind,
    PartyManagement,
    Rank,
    ResourceKind,
    SeatKind,
    UnitLevel,
    UnitType,
)
from .models import (
    UNIT_LEVEL,
    Activity,
    Agreement,
    AgreementItem,
    Council,
    CouncilMember,
    ItemUpdate,
    Match,
    Need,
    Pairing,
    Resource,
    Service,
    Unit,
)

# ------------------------------------------------------------------ reference data

# The article's units: (name, type, level, street, community or "" for the street itself, party org).
ZHENFA, UNION, GREENLAND = "振发锻件公司", "市总工会", "绿地集团安庆置业有限公司"
ZIFENG, SHANGQUAN = "紫峰大厦", "人民路商圈"
PAOYINGSHAN = "炮营山社区"
NAMED: list[tuple[str, str, str, str, str, str]] = [
    (ZHENFA, UnitType.PRIVATE_ENTERPRISE, UnitLevel.LOCAL, "华中路街道", PAOYINGSHAN, "振发锻件公司党委"),
    (ZIFENG, UnitType.PRIVATE_ENTERPRISE, UnitLevel.LOCAL, "人民路街道", "人民路社区", "紫峰大厦党委"),
    (SHANGQUAN, UnitType.PRIVATE_ENTERPRISE, UnitLevel.LOCAL, "人民路街道", "", "人民路商圈党委"),
    (UNION, UnitType.AGENCY, UnitLevel.CITY, "人民路街道", "四照园社区", "市总工会机关党委"),
    (GREENLAND, UnitType.STATE_ENTERPRISE, UnitLevel.LOCAL, "孝肃路街道", "", "绿地集团安庆置业有限公司党支部"),
]
CITY_AGENCIES = [
    "市发展和改革委员会", "市财政局", "市人力资源和社会保障局", "市住房和城乡建设局", "市交通运输局",
    "市卫生和计划生育委员会", "市市场监督管理局", "市城市管理局", "市司法局", "市民政局", "市文化广电新闻出版局",
    "市环境保护局", "市国土资源局", "市教育体育局", "团市委", "市妇联", "市科协", "市商务局", "市审计局",
]
DISTRICT_AGENCIES = [
    "区财政局", "区民政局", "区住房和城乡建设局", "区城市管理局", "区市场监督管理局", "区人力资源和社会保障局",
    "区司法局", "区卫生和计划生育委员会", "区教育体育局", "区文化旅游体育局", "区农业委员会", "区安全生产监督管理局",
    "区统计局", "区审计局", "区商务局", "团区委", "区妇联",
]
VERTICAL_AGENCIES = [
    "国家税务总局安庆市迎江区税务局", "国家统计局安庆调查队", "安庆市气象局", "安庆市烟草专卖局",
    "中国人民银行安庆市中心支行", "安庆市邮政管理局", "安庆海关",
]
INSTITUTIONS: list[tuple[str, str]] = [
    ("市第一人民医院", UnitLevel.CITY), ("市图书馆", UnitLevel.CITY), ("市群众艺术馆", UnitLevel.CITY),
    ("市第十四中学", UnitLevel.CITY), ("区疾病预防控制中心", UnitLevel.DISTRICT), ("区实验学校", UnitLevel.DISTRICT),
    ("区社区卫生服务中心", UnitLevel.DISTRICT), ("区老年大学", UnitLevel.DISTRICT),
]
STATE_ENTERPRISES: list[tuple[str, str]] = [
    ("国网安庆供电公司", UnitLevel.VERTICAL), ("安庆市供水集团有限公司", UnitLevel.CITY),
    ("安庆市公共交通集团有限公司", UnitLevel.CITY), ("安庆市城市建设投资发展集团", UnitLevel.CITY),
    ("中国移动安庆分公司", UnitLevel.VERTICAL), ("中国电信安庆分公司", UnitLevel.VERTICAL),
    ("工商银行安庆分行", UnitLevel.VERTICAL), ("安庆港务集团有限公司", UnitLevel.CITY),
]
FIRM_NAMES = ("华茂 盛唐 皖江 宜城 龙山 菱湖 江天 天柱 大观 锦江 徽韵 弘泰 嘉禾 恒信 瑞丰 博远 鑫源 金桥 宏达 振江 "
              "同安 万和 长乐 德润 聚丰 和顺 新宜 汇通 众诚 同心 安和 明远 兴皖 康泰 福瑞 华源 远景 九华").split()
FIRM_TRADES = ["物业管理有限公司", "商贸有限公司", "纺织有限公司", "建筑工程有限公司", "餐饮管理有限公司",
               "科技有限公司", "医药连锁有限公司", "汽车销售服务有限公司", "印刷有限公司", "电子商务有限公司",
               "物流有限公司",
               "酒店管理有限公司", "超市有限公司", "机械制造有限公司", "装饰工程有限公司", "房地产开发有限公司"]
PRIVATE_FIRMS = 36
SOCIAL_ORGS = [
    "阳光360社会工作服务中心", "常青藤志愿服务协会", "迎江区义工联合会", "迎江区个体劳动者协会", "迎江区物业管理协会",
    "迎江区慈善协会", "安庆市黄梅戏票友协会", "宜城社会工作服务中心", "迎江区快递行业协会", "心连心家政服务协会",
    "迎江区退役军人志愿服务队", "迎江区青年创业促进会",
]
POSTS: dict[str, list[str]] = {
    UnitType.AGENCY: ["党组书记、局长", "党组成员、副局长", "机关党委书记", "党组成员、副主任", "机关党委专职副书记"],
    UnitType.INSTITUTION: ["党委书记、院长", "党总支书记、馆长", "党支部书记、校长", "党委副书记", "党支部书记、主任"],
    UnitType.STATE_ENTERPRISE: ["党委书记、董事长", "党委副书记、总经理", "党委委员、副总经理", "党总支书记"],
    UnitType.PRIVATE_ENTERPRISE: ["党委书记、董事长", "党支部书记、总经理", "党支部书记、副总经理", "党委副书记"],
    UnitType.SOCIAL: ["党支部书记、会长", "党支部书记、主任", "党支部书记、理事长"],
}
UNION_POSTS = ["党组成员、副主席", "党组书记、常务副主席", "机关党委书记"]
ITEMS: dict[str, list[str]] = {
    ItemKind.JOINT_BUILDING: ["联合开展主题党日活动", "共建社区党员活动阵地", "联合举办党课和专题学习",
                              "在职党员到社区报到服务", "共建“红色楼宇”党建阵地", "联合开展党员志愿服务月",
                              "共同培育党建品牌", "组织党员结对联系困难群众"],
    ItemKind.JOINT_AFFAIRS: ["协调解决小区停车难", "背街小巷路面修复", "老旧小区楼道照明改造", "沿街门店油烟扰民整治",
                             "小区飞线充电整治", "困难群众就业帮扶", "独居老人结对关爱", "校园周边交通秩序整治",
                             "雨污管网疏通", "小区违章搭建整治", "农贸市场周边环境整治", "防汛隐患排查"],
    ItemKind.SHARED_RESOURCES: ["开放单位会议室供居民议事", "开放单位食堂为老助餐", "周末开放单位停车场",
                                "提供党员活动场地", "捐赠社区图书室图书", "开放职工书屋"],
}
ACTIVITIES: dict[str, list[str]] = {
    ActivityKind.THEME_DAY: ["联合开展主题党日，重温入党誓词", "共同学习党的十九大精神", "到独秀园开展红色教育"],
    ActivityKind.VOLUNTEER: ["党员志愿者清理小区卫生死角", "文明创建志愿劝导", "关爱留守儿童志愿服务"],
    ActivityKind.STUDY: ["交流基层党建工作经验", "考察学习网格化服务管理做法", "联合举办专题党课"],
    ActivityKind.SERVICE: ["义诊和健康咨询进社区", "法律咨询进社区", "为困难家庭送温暖"],
    ActivityKind.CULTURE: ["联合举办社区文艺汇演", "黄梅戏进社区", "趣味运动会"],
    ActivityKind.OTHER: ["共商社区治理难题", "联合开展安全隐患排查"],
}
# Communities in 江苏, 浙江 and 上海 (districts real, community names invented).
OUTSIDE: dict[str, list[str]] = {
    "上海": ["静安区", "徐汇区", "长宁区", "黄浦区", "杨浦区", "普陀区"],
    "江苏": ["南京市鼓楼区", "南京市秦淮区", "苏州市姑苏区", "无锡市梁溪区", "常州市天宁区", "扬州市广陵区"],
    "浙江": ["杭州市上城区", "杭州市拱墅区", "宁波市海曙区", "嘉兴市南湖区", "绍兴市越城区", "湖州市吴兴区"],
}
OUTSIDE_WORDS = ("梧桐 锦绣 和平 新风 枫林 春晖 桂花 玉兰 紫藤 清河 "
                 "明珠 静园 兰亭 朝阳 翠竹 秀水 湖滨 长虹 启明 安康").split()
SERVICES = [
    (ResourceKind.VENUE, "党群服务中心场地预约", "工作日 8:30–17:30"),
    (ResourceKind.SKILLS, "四点半课堂", "工作日 16:30–18:00"),
    (ResourceKind.OTHER, "老年助餐", "每日午餐"), (ResourceKind.SKILLS, "法律咨询", "每周三下午"),
    (ResourceKind.OTHER, "就业信息发布", "每周一更新"), (ResourceKind.VOLUNTEERS, "志愿者招募与派遣", "常年"),
    (ResourceKind.OTHER, "证明材料代办", "工作日"), (ResourceKind.SKILLS, "心理疏导", "每月第二个周六"),
]
NEEDS: dict[str, list[str]] = {
    ResourceKind.VENUE: ["居民议事场地", "老年活动室用房", "四点半课堂教室", "党员活动室", "商圈党群服务中心用房",
                         "楼宇党群服务中心用房", "文艺队排练场地"],
    ResourceKind.VOLUNTEERS: ["文明创建志愿者", "独居老人陪护志愿者", "防汛巡查志愿者", "垃圾分类督导志愿者"],
    ResourceKind.FUNDS: ["文明创建扶持资金", "老旧小区改造配套资金", "困难群众帮扶资金", "社区文化活动经费"],
    ResourceKind.SKILLS: ["法律咨询", "义诊与健康讲座", "电路安全检查", "青少年心理辅导"],
    ResourceKind.GOODS: ["社区图书室图书", "防汛物资", "活动室桌椅", "爱心冬衣"],
    ResourceKind.OTHER: ["夜间停车位", "就业岗位信息"],
}
IDLE: dict[str, list[str]] = {
    ResourceKind.VENUE: ["闲置会议室", "闲置仓库（改建活动室）", "闲置门面房", "闲置办公用房", "空置职工宿舍楼一层",
                         "闲置培训教室", "闲置多功能厅", "闲置车库（改建党员活动室）"],
    ResourceKind.GOODS: ["闲置办公桌椅", "闲置电脑", "闲置空调"],
    ResourceKind.OTHER: ["闲置停车场（夜间开放）", "闲置场院（改建健身场地）"],
}
OFFERS: dict[str, list[str]] = {
    ResourceKind.VENUE: ["周末开放会议室", "职工之家活动室", "单位礼堂（预约使用）"],
    ResourceKind.VOLUNTEERS: ["党员志愿服务队", "青年志愿者", "在职党员服务队"],
    ResourceKind.SKILLS: ["法律咨询服务", "义诊服务", "电工维修服务", "心理咨询服务", "财税咨询服务"],
    ResourceKind.GOODS: ["图书捐赠", "慰问物资", "防汛沙袋"],
    ResourceKind.OTHER: ["就业岗位", "夜间停车位"],
}
# The need a resource meets, by the resource's title (else any need of its kind): an idle car park meets
# 夜间停车位, not 就业岗位信息.
FITS: dict[str, list[str]] = {
    "闲置停车场（夜间开放）": ["夜间停车位"], "闲置场院（改建健身场地）": ["居民健身场地"],
    "就业岗位": ["就业岗位信息"], "夜间停车位": ["夜间停车位"],
    "闲置办公桌椅": ["活动室桌椅"], "闲置电脑": ["社区电脑室设备"], "闲置空调": ["活动室空调"],
    "图书捐赠": ["社区图书室图书"], "慰问物资": ["爱心冬衣", "困难群众慰问物资"], "防汛沙袋": ["防汛物资"],
    "法律咨询服务": ["法律咨询"], "义诊服务": ["义诊与健康讲座"], "电工维修服务": ["电路安全检查"],
    "心理咨询服务": ["青少年心理辅导"], "财税咨询服务": ["小微商户财税咨询"],
}
KIND_WORDS: dict[str, str] = {ResourceKind.VENUE: "平方米", ResourceKind.VOLUNTEERS: "人次", ResourceKind.FUNDS: "元",
              ResourceKind.SKILLS: "人次", ResourceKind.GOODS: "件", ResourceKind.OTHER: "项"}
STREET_COUNCIL_UNIT_SEATS = (62, 68)  # the article: 60 多家 unit members of the 6 street councils
COMMUNITY_COUNCIL_UNIT_SEATS = (72, 79)  # 70 多名, 21 of them 县处级 cadres of 市直 units
COUNTY_CADRES = 21
AGREEMENTS = (102, 110)  # 100 多份 (matches add a few of their own)
PROBLEMS = (92, 99)  # 近百件 (90–99), all solved by items completed within the year
AGENCY_PAIRINGS, FIRM_PAIRINGS = 36, 45
IDLE_PUT_TO_USE = (31, 35)  # 30 多处
FUNDS_RAISED = (505, 580)  # 50 多万元, in thousands
PREMISES_M2 = (2410, 2490)  # 2400 多平方米 from 市总工会 and 绿地集团安庆置业
LIST_ENTRIES = 205  # 200 多个
REQUIRED = 4
DONE_SHARE = 0.95  # how a finished year's items ended: done (some late), the rest dropped
LIVE_DONE, LIVE_DROPPED = 0.90, 0.02  # this year's items past due: the rest are overdue (a handful)


@dataclass
class Built:
    units: int = 0
    councils: int = 0
    members: int = 0
    agreements: int = 0
    items: int = 0
    problems: int = 0
    pairings: int = 0
    activities: int = 0
    needs: int = 0
    resources: int = 0
    services: int = 0
    matches: int = 0
    summons: int = 0
    accounts: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _history() -> Iterator[None]:
    """Lets ``bulk_create`` keep the simulated creation times (``auto_now_add`` would stamp the build's)."""
    fields = [f for m in (Unit, Council, Agreement, AgreementItem, ItemUpdate, Pairing, Activity, Need, Resource,
                          Service, Match) for f in m._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    for f in fields:
        f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True  # type: ignore[attr-defined]


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59))))


def _suffix(district: Org) -> str:
    """The district copy's suffix ("" for 迎江区, "-2" for 迎江区-2 …): unit names are unique."""
    from zongheng.orgs.demo import DISTRICT

    return district.name.removeprefix(DISTRICT[0]) if district.name.startswith(DISTRICT[0]) else f"-{district.pk}"


class _Gen:
    def __init__(self, district: Org, seed: int, year: int, log: Callable[[str], None]) -> None:
        from faker import Faker

        self.district, self.year, self.log = district, year, log
        self.rng = random.Random(seed * 13 + 6)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed * 13 + 6)
        self.suffix = _suffix(district)
        below = Org.objects.filter(path__startswith=district.path, kind=OrgKind.REGULAR).select_related("level")
        self.streets = list(below.filter(level__code="street").order_by("path"))
        self.communities = list(below.filter(level__code="community").order_by("path"))
        self.street_of = {c.pk: next(s for s in self.streets if c.path.startswith(s.path)) for c in self.communities}
        self.in_street = {s.pk: [c for c in self.communities if c.path.startswith(s.path)] for s in self.streets}
        self.people: list[Person] = []
        self.posts: list[Post] = []

    # -------------------------------------------------------------- small helpers

    def date(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def name(self) -> tuple[str, str]:
        from zongheng.orgs.demo import GIVEN_FEMALE, GIVEN_MALE, REAL_NAMES

        gender = Gender.MALE if self.rng.random() < 0.6 else Gender.FEMALE
        while True:
            name = self.fake.last_name() + self.rng.choice(GIVEN_MALE if gender == Gender.MALE else GIVEN_FEMALE)
            if name not in REAL_NAMES:
                return name, gender

    def person(self, org: Org, workplace: str = "") -> Person:
        name, gender = self.name()
        birth = self.rng.randint(self.year - 58, self.year - 32)
        p = Person(name=name, gender=gender, birth_year=birth, is_party_member=True, member_type=MemberType.EMPLOYED,
                   joined_on=self.date(dt.date(birth + 20, 1, 1), dt.date(birth + 35, 12, 31)), workplace=workplace,
                   org=org, org_path=org.path)
        self.people.append(p)
        return p

    # -------------------------------------------------------------- units as tree nodes

    def unit_specs(self) -> list[dict[str, Any]]:
        rng, sfx = self.rng, self.suffix
        by_name = {o.name: o for o in [*self.streets, *self.communities]}
        specs: list[dict[str, Any]] = []
        for name, utype, level, street, community, party in NAMED:
            place = by_name[community or street]
            specs.append({"name": name, "type": utype, "level": level, "place": place, "party": party})
        plain: list[tuple[str, str, str]] = []
        plain += [(n, UnitType.AGENCY, UnitLevel.CITY) for n in CITY_AGENCIES]
        plain += [(n, UnitType.AGENCY, UnitLevel.DISTRICT) for n in DISTRICT_AGENCIES]
        plain += [(n, UnitType.AGENCY, UnitLevel.VERTICAL) for n in VERTICAL_AGENCIES]
        plain += [(n, UnitType.INSTITUTION, lv) for n, lv in INSTITUTIONS]
        plain += [(n, UnitType.STATE_ENTERPRISE, lv) for n, lv in STATE_ENTERPRISES]
        firms = rng.sample([f"安庆市{a}{b}" for a in FIRM_NAMES for b in FIRM_TRADES], PRIVATE_FIRMS)
        plain += [(n, UnitType.PRIVATE_ENTERPRISE, UnitLevel.LOCAL) for n in firms]
        plain += [(n, UnitType.SOCIAL, UnitLevel.LOCAL) for n in SOCIAL_ORGS]
        rng.shuffle(plain)
        for i, (name, utype, level) in enumerate(plain):
            street = self.streets[i % len(self.streets)]  # round robin: every street has units of every kind
            place = street if rng.random() < 0.2 else rng.choice(self.in_street[street.pk])
            party = f"{name}{'机关党委' if utype == UnitType.AGENCY else rng.choice(['党委', '党总支', '党支部'])}"
            specs.append({"name": name, "type": utype, "level": level, "place": place, "party": party})
        for spec in specs:
            spec["name"] += sfx
            spec["party"] = spec["party"].replace(spec["name"].removesuffix(sfx), spec["name"], 1)
        return specs

    def units(self) -> list[Unit]:
        rng = self.rng
        specs = self.unit_specs()
        level = Level.objects.get(code=UNIT_LEVEL)
        places = {s["place"].pk: s["place"] for s in specs}
        last: dict[str, int] = defaultdict(int)  # the last step used below each place
        for path in Org.objects.filter(path__startswith=self.district.path,
                                       depth__in={p.depth + 1 for p in places.values()}).values_list("path", flat=True):
            parent = path[:-Org.steplen]
            last[parent] = max(last[parent], Org._str2int(path[-Org.steplen:]))
        nodes: list[Org] = []
        for spec in specs:
            place = spec["place"]
            last[place.path] += 1
            street = place if place.level.code == "street" else self.street_of[place.pk]
            road = street.name.removesuffix("街道")
            address = f"{road}{'' if road[-1] in '路街' else '路'}{rng.randint(1, 300)}号"
            node = Org(name=spec["name"], level=level, kind=OrgKind.REGULAR, address=address, depth=place.depth + 1,
                       path=Org._get_path(place.path, place.depth + 1, last[place.path]), numchild=0,
                       description=spec["party"],
                       opened_on=self.date(dt.date(1990, 1, 1), dt.date(self.year - 2, 12, 31)))
            nodes.append(node)
            spec["node"] = node
        Org.objects.bulk_create(nodes, batch_size=500)
        fill_missing_codes(Org, Org.objects.filter(pk__in=[n.pk for n in nodes]))
        added: dict[int, int] = defaultdict(int)
        for spec in specs:
            added[spec["place"].pk] += 1
        for pk, n in added.items():
            Org.objects.filter(pk=pk).update(numchild=models.F("numchild") + n)
        codes: set[str] = set()
        units = []
        for spec in specs:
            node = spec["node"]
            local = spec["level"] in (UnitLevel.LOCAL, UnitLevel.DISTRICT) or spec["type"] != UnitType.AGENCY
            secretary = self.person(node, spec["name"])
            self.posts.append(Post(person=secretary, role=Role.SECRETARY, org=node,
                                   starts_on=self.date(dt.date(self.year - 4, 1, 1), dt.date(self.year - 1, 6, 30))))
            credit = None
            if spec["type"] in (UnitType.PRIVATE_ENTERPRISE, UnitType.STATE_ENTERPRISE, UnitType.SOCIAL):
                while credit is None or credit in codes:
                    head = "91" if spec["type"] != UnitType.SOCIAL else "52"
                    credit = head + "340800" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10))
                codes.add(credit)
            units.append(Unit(org=node, org_path=node.path, name=spec["name"], credit_code=credit, type=spec["type"],
                              level=spec["level"], address=node.address, place=spec["place"],
                              party_management=PartyManagement.LOCAL if local else PartyManagement.SYSTEM,
                              party_org_name=spec["party"], secretary=secretary, secretary_name="",
                              members_count=rng.randint(8, 120), joined_on=self.date(dt.date(self.year - 1, 3, 1),
                                                                                     dt.date(self.year, 2, 28)),
                              created_at=_at(dt.date(self.year, 1, 2), rng)))
        # People first (the secretaries), then the units that name them.
        Person.objects.bulk_create(self.people, batch_size=1000)
        self.people.clear()
        Post.objects.bulk_create(self.posts, batch_size=1000)
        self.posts.clear()
        with _history():
            Unit.objects.bulk_create(units, batch_size=500)
        self.log(f"驻区单位 {len(units)} 家（组织树节点已挂在所在街道或社区之下）")
        return units

    # -------------------------------------------------------------- councils

    def councils(self, units: list[Unit]) -> tuple[list[Council], list[CouncilMember]]:
        rng, year = self.rng, self.year
        secretaries = dict(Post.objects.filter(org__in=[*self.streets, *self.communities], role=Role.SECRETARY,
                                               ends_on__isnull=True).values_list("org_id", "person_id"))
        people = Person.objects.in_bulk(list(secretaries.values()))
        assistants = list(Post.objects.filter(org__in=self.communities, role=Role.SECRETARY_ASSISTANT)
                          .select_related("person"))
        by_street: dict[int, list[Unit]] = defaultdict(list)
        by_place: dict[int, list[Unit]] = defaultdict(list)
        for u in units:
            street = u.place if u.place.level.code == "street" else self.street_of[u.place.pk]
            by_street[street.pk].append(u)
            by_place[u.place.pk].append(u)
        councils, members = [], []
        council_of: dict[int, Council] = {}
        for org in [*self.streets, *self.communities]:
            word = "大工委" if org.level.code == "street" else "大党委"
            start = self.date(dt.date(year - 1, 9, 1), dt.date(year, 2, 28))
            c = Council(org=org, org_path=org.path, name=f"{org.name}{word}", term_starts_on=start,
                        created_at=_at(start, rng))
            councils.append(c)
            council_of[org.pk] = c
            person = people.get(secretaries.get(org.pk, 0))
            if person is not None:
                post = "街道党工委书记" if org.level.code == "street" else "社区党委书记"
                members.append(CouncilMember(council=c, seat=SeatKind.OWN, person=person, name=person.name,
                                             rank=Rank.SECTION if org.level.code == "street" else Rank.OTHER,
                                             post=post, council_post="书记", starts_on=start))

        def seat(c: Council, u: Unit, rank: str, person: Person | None = None) -> None:
            if person is None:
                person = self.person(u.org, u.name)
            if u.name.startswith(UNION):
                post = rng.choice(UNION_POSTS)
            else:
                post = rng.choice(POSTS[u.type])
            members.append(CouncilMember(council=c, seat=SeatKind.UNIT, unit=u, person=person, name=person.name,
                                         rank=rank, post=f"{u.name}{post}", council_post="兼职委员",
                                         starts_on=self.date(c.term_starts_on, dt.date(year, 3, 31))))

        def default_rank(u: Unit) -> str:
            if u.level == UnitLevel.CITY and u.type == UnitType.AGENCY:
                return Rank.COUNTY
            if u.type in (UnitType.AGENCY, UnitType.INSTITUTION, UnitType.STATE_ENTERPRISE):
                return Rank.SECTION
            return Rank.OTHER

        # 街道大工委: 60 多家 units, the article's named ones among them; each unit's party secretary sits.
        total = rng.randint(*STREET_COUNCIL_UNIT_SEATS)
        per = _spread(rng, total, len(self.streets), base=total // len(self.streets) - 2)
        named = {n + self.suffix for n, *_ in NAMED}
        for street, n in zip(self.streets, per, strict=True):
            pool = by_street[street.pk]
            first = [u for u in pool if u.name in named]
            rest = [u for u in pool if u.name not in named]
            rng.shuffle(rest)
            for u in (first + rest)[:n]:
                seat(council_of[street.pk], u, default_rank(u), person=u.secretary)
        # 社区大党委: 70 多名 unit members, 21 of them 县处级 cadres of 市直 units (a unit of the same street).
        total = rng.randint(*COMMUNITY_COUNCIL_UNIT_SEATS)
        per = _spread(rng, total, len(self.communities), base=1)
        seated: dict[int, set[int]] = defaultdict(set)
        county = rng.sample(self.communities, COUNTY_CADRES)
        city = [u for u in units if u.level == UnitLevel.CITY]
        for community in county:
            street = self.street_of[community.pk]
            near = [u for u in city if u in by_street[street.pk]] or city
            u = rng.choice(near)
            seat(council_of[community.pk], u, Rank.COUNTY)
            seated[community.pk].add(id(u))
        for community, n in zip(self.communities, per, strict=True):
            street = self.street_of[community.pk]
            pool = list(by_place[community.pk])
            rng.shuffle(pool)
            others = [u for u in by_street[street.pk] if u not in pool]
            rng.shuffle(others)
            for u in pool + others:
                if len(seated[community.pk]) >= n:
                    break
                if id(u) in seated[community.pk]:
                    continue
                rank = Rank.SECTION if u.level == UnitLevel.CITY else default_rank(u)
                seat(council_of[community.pk], u, rank)
                seated[community.pk].add(id(u))
        # Street cadres sent to community councils: the 书记助理 the street sent (about half the communities).
        for sent in assistants:
            if rng.random() < 0.5:
                c = council_of[sent.org_id]
                members.append(CouncilMember(council=c, seat=SeatKind.SENT, sent_from_id=sent.sent_from_id,
                                             person=sent.person, name=sent.person.name, rank=Rank.SECTION,
                                             post="街道下派社区书记助理", council_post="委员",
                                             starts_on=max(sent.starts_on, c.term_starts_on)))
        Person.objects.bulk_create(self.people, batch_size=1000)
        self.people.clear()
        with _history():
            Council.objects.bulk_create(councils)
        for m in members:
            m.council_id = m.council.pk
            m.person_id = m.person.pk if m.person is not None else None
        CouncilMember.objects.bulk_create(members, batch_size=1000)
        self._committees(units)
        self.log(f"街道大工委 {len(self.streets)} 个、社区大党委 {len(self.communities)} 个，委员 {len(members)} 名")
        return councils, members

    def _committees(self, units: list[Unit]) -> None:
        """Street cadres sent to sit on the 紫峰大厦 and 人民路商圈 party committees."""
        by_name = {u.name: u for u in units}
        street = next((s for s in self.streets if s.name == "人民路街道"), None)
        if street is None:
            return
        pool = list(Person.objects.filter(org=street, posts__isnull=True).order_by("pk")[:20])
        if len(pool) < 2:
            return
        picked = self.rng.sample(pool, 2)
        for person, name in zip(picked, (ZIFENG, SHANGQUAN), strict=True):
            unit = by_name.get(name + self.suffix)
            if unit is not None:
                Post.objects.create(person=person, role=Role.COMMITTEE_MEMBER, org=unit.org, sent_from=street,
                                    starts_on=dt.date(self.year - 1, 10, 1), note="街道下派担任党委委员")

    def attendance(self, members: list[CouncilMember]) -> int:
        """Unit members attend the held joint meetings of their council's street or community in the year."""
        from zongheng.meetings.choices import AttendanceStatus, MeetingStatus
        from zongheng.meetings.models import Attendance, Meeting

        rng = self.rng
        seats: dict[str, list[CouncilMember]] = defaultdict(list)
        for m in members:
            if m.seat == SeatKind.UNIT and m.person_id:
                seats[m.council.org_path].append(m)
        meetings = (Meeting.objects.filter(org_path__in=list(seats), status=MeetingStatus.HELD,
                                           type__code__in=["street_joint", "community_joint"],
                                           held_at__year=self.year).values_list("pk", "org_path", "held_at"))
        rows = []
        for pk, path, held_at in meetings:
            for m in seats[path]:
                if held_at is None or m.person_id is None or held_at.date() < m.starts_on:
                    continue
                x = rng.random()
                status = (AttendanceStatus.PRESENT if x < 0.82 else AttendanceStatus.EXCUSED if x < 0.94
                          else AttendanceStatus.ABSENT)
                label = "大工委兼职委员" if m.council.org.level.code == "street" else "大党委兼职委员"
                rows.append(Attendance(meeting_id=pk, person_id=m.person_id, status=status, role_label=label))
        Attendance.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)  # one row a person
        return len(rows)


def _fit(rng: random.Random, kind: str, offered: str) -> str:
    """The title of a need the resource ``offered`` meets."""
    return rng.choice(FITS.get(offered) or NEEDS[kind])


def _spread(rng: random.Random, total: int, slots: int, base: int = 0) -> list[int]:
    counts = [base] * slots
    for i in rng.choices(range(slots), k=max(0, total - base * slots)):
        counts[i] += 1
    return counts


# ------------------------------------------------------------------ agreements, pairings, lists


class _Year:
    """The year's agreements (with the matches' items), pairings with activities, and the three lists."""

    def __init__(self, gen: _Gen, units: list[Unit], members: list[CouncilMember]) -> None:
        self.gen, self.rng, self.year = gen, gen.rng, gen.year
        self.units, self.members = units, members
        self.by_name = {u.name.removesuffix(gen.suffix): u for u in units}
        self.agreements: list[Agreement] = []
        self.items: list[tuple[Agreement, AgreementItem, list[ItemUpdate]]] = []
        self.by_pair: dict[tuple[int, int], Agreement] = {}
        self.owner = {m.council.org_id: m.name for m in members if m.seat == SeatKind.OWN}
        self.links: list[tuple[AgreementItem, list[int]]] = []

    def agreement(self, org: Org, unit: Unit, signed: dt.date, ends: dt.date, title: str = "") -> Agreement:
        a = Agreement(org=org, org_path=org.path, unit=unit, unit_path=unit.org_path,
                      title=title or f"{org.name}与{unit.name}项目认领书（{signed.year}年）", signed_on=signed,
                      starts_on=signed, ends_on=ends, state=AgreementState.ACTIVE, created_at=_at(signed, self.rng))
        self.agreements.append(a)
        self.by_pair.setdefault((org.pk, unit.pk), a)
        return a

    def item(self, a: Agreement, kind: str, title: str, due: dt.date, *, state: str, unit_owner: str,
             target: str = "", late: bool = False, progress: int = 0, today: dt.date | None = None) -> AgreementItem:
        rng = self.rng
        it = AgreementItem(org_path=a.org_path, unit_path=a.unit_path, kind=kind, title=title,
                           target=target or f"{title}，年内见效",
                           org_owner=self.owner.get(a.org_id) or self.gen.name()[0],
                           unit_owner=unit_owner, due_on=due, state=state, created_at=a.created_at)
        start = a.signed_on
        updates: list[ItemUpdate] = []
        if state == ItemState.DONE:
            done = due + dt.timedelta(days=rng.randint(3, 40)) if late else self.gen.date(
                min(due - dt.timedelta(days=45), due), due)
            done = min(max(done, start + dt.timedelta(days=7)), dt.date(self.year, 12, 31))  # late, not next year
            if today is not None:
                done = min(done, today)
            it.completed_on, it.progress = done, 100
            it.result = f"{title}已完成，居民反映良好。"
            steps = [*sorted(rng.sample(range(20, 95, 5), rng.randint(1, 2))), 100]
            end = done
        else:
            it.progress = progress if progress else rng.choice([20, 30, 40, 50, 60, 70, 80])
            steps = sorted({rng.randint(1, it.progress // 10) * 10 for _ in range(rng.randint(1, 2))} | {it.progress})
            end = min(today or due, due) if today else min(due, dt.date(self.year, 12, 31))
            if state == ItemState.DROPPED:
                it.result = "因规划调整，经双方协商取消。"
        span = max(1, (end - start).days)
        for i, p in enumerate(steps, start=1):
            day = start + dt.timedelta(days=span * i // len(steps))
            updates.append(ItemUpdate(progress=p, note=_update_note(p), at=_at(day, rng)))
        self.items.append((a, it, updates))
        return it

    # -------------------------------------------------------------- agreements

    def year_agreements(self) -> None:
        """The year's agreements with the council members' units. A year that is over ends as a finished
        year does: every item done (some late) or dropped; only items due after today (the demo built
        for the current year) are still under way."""
        rng, year = self.rng, self.year
        today = timezone.localdate()
        seats = [m for m in self.members if m.seat == SeatKind.UNIT]
        picked = rng.sample(seats, min(len(seats), rng.randint(*AGREEMENTS)))
        # The named units' seats sign first (the liaison accounts' units have agreements).
        named = [m for m in seats if m.unit is not None and m.unit.name.removesuffix(self.gen.suffix)
                 in (ZHENFA, UNION, GREENLAND) and m not in picked]
        for m in picked + named:
            if m.unit is None:
                continue
            org = m.council.org
            if (org.pk, m.unit.pk) in self.by_pair:
                continue
            a = self.agreement(org, m.unit, self.gen.date(dt.date(year, 1, 8), dt.date(year, 3, 31)),
                               dt.date(year, 12, 31))
            kinds = [ItemKind.JOINT_BUILDING, ItemKind.JOINT_AFFAIRS, ItemKind.SHARED_RESOURCES]
            for kind in rng.sample(kinds, rng.randint(2, 3)):
                x = rng.random()
                due = self.gen.date(dt.date(year, 4, 1), dt.date(year, 12, 20))
                state = (ItemState.OPEN if due >= today
                         else ItemState.DONE if x < DONE_SHARE else ItemState.DROPPED)
                self.item(a, kind, rng.choice(ITEMS[kind]), due, state=state, unit_owner=m.name,
                          late=state == ItemState.DONE and rng.random() < 0.15,
                          today=today)

    def settle(self, demands: dict[str, list[int]]) -> int:
        """Agreements whose items are all finished are done; nearly a hundred problems spread over done
        items (事务联办 most), each linked to closed demands of its community where there are some."""
        rng = self.rng
        done = [it for _, it, _ in self.items if it.state == ItemState.DONE]
        weights = [3.0 if it.kind == ItemKind.JOINT_AFFAIRS else 1.0 for it in done]
        total = rng.randint(*PROBLEMS)
        for i in rng.choices(range(len(done)), weights=weights, k=total):
            done[i].problems_solved += 1
        open_agreements = {id(a) for a, it, _ in self.items if it.state == ItemState.OPEN}
        finished = {id(a) for a, it, _ in self.items if it.state == ItemState.DONE}
        for a in self.agreements:
            if id(a) not in open_agreements and a.ends_on < timezone.localdate():
                # Over: done, or ended when every item was dropped.
                a.state = AgreementState.DONE if id(a) in finished else AgreementState.ENDED
        taken: set[int] = set()
        for it in done:
            if not it.problems_solved:
                continue
            pool = [pk for pk in demands.get(it.org_path, []) if pk not in taken][: it.problems_solved]
            taken.update(pool)
            if pool:
                self.links.append((it, pool))
        return total

    # -------------------------------------------------------------- pairings

    def pairings(self) -> list[tuple[Pairing, list[Activity]]]:
        rng, year, gen = self.rng, self.year, self.gen
        out: list[tuple[Pairing, list[Activity]]] = []
        zhenfa = self.by_name.get(ZHENFA)

        def community_for(u: Unit) -> Org:
            if u.place.level.code == "community":
                return u.place
            return rng.choice(gen.in_street[u.place.pk])

        agencies = [u for u in self.units if u.type == UnitType.AGENCY]
        firms = [u for u in self.units if u.type in (UnitType.PRIVATE_ENTERPRISE, UnitType.SOCIAL) and u is not zhenfa]
        chosen = rng.sample(agencies, AGENCY_PAIRINGS) + ([zhenfa] if zhenfa else [])
        chosen += rng.sample(firms, FIRM_PAIRINGS - len(chosen) + AGENCY_PAIRINGS)
        for u in chosen:
            org = next(c for c in gen.communities if c.name == PAOYINGSHAN) if u is zhenfa else community_for(u)
            start = gen.date(dt.date(year - 1, 3, 1), dt.date(year, 1, 31))
            out.append((Pairing(org=org, org_path=org.path, partner_kind=PartnerKind.UNIT, unit=u, unit_path=u.org_path,
                                starts_on=start, required_per_year=REQUIRED, created_at=_at(start, rng),
                                note="每年联办活动不少于 4 次" if u is zhenfa else ""), []))
        regions = list(OUTSIDE)
        for c in gen.communities:
            region = rng.choice(regions)
            partner = f"{rng.choice(OUTSIDE[region])}{rng.choice(OUTSIDE_WORDS)}社区"
            start = gen.date(dt.date(year, 1, 5), dt.date(year, 1, 31))
            out.append((Pairing(org=c, org_path=c.path, partner_kind=PartnerKind.OUTSIDE, partner_name=partner,
                                partner_region=region, starts_on=start, required_per_year=REQUIRED,
                                created_at=_at(start, rng), note="签订结对共建协议，形成长期结对关系"), []))
        behind = set(rng.sample([i for i, (p, _) in enumerate(out) if p.unit is not zhenfa or zhenfa is None],
                                rng.randint(3, 6)))
        for i, (p, acts) in enumerate(out):
            n = rng.randint(1, REQUIRED - 1) if i in behind else rng.randint(REQUIRED, REQUIRED + 3)
            if p.unit is not None and p.unit is zhenfa:
                n = rng.randint(REQUIRED + 1, REQUIRED + 2)
            acts += self.activities(p, dt.date(year, 1, 1), dt.date(year, 12, 20), n)
        return out

    def activities(self, p: Pairing, first: dt.date, last: dt.date, n: int) -> list[Activity]:
        rng = self.rng
        first = max(first, p.starts_on + dt.timedelta(days=1))
        if last < first:
            return []
        days = sorted(self.gen.date(first, last) for _ in range(n))
        acts = []
        for day in days:
            kind = rng.choice(list(ACTIVITIES))
            acts.append(Activity(held_on=day, kind=kind, content=rng.choice(ACTIVITIES[kind]),
                                 participants=rng.randint(10, 60),
                                 residents_reached=rng.choice([0, 0, 30, 80, 150, 300]),
                                 created_at=_at(day, rng)))
        return acts

    # -------------------------------------------------------------- the three lists

    def lists(self) -> tuple[list[Need], list[Resource], list[Service], list[tuple[Match, AgreementItem]]]:
        from .matching import reason_text  # the reason the matching engine gives for the same proposal

        rng, year, gen = self.rng, self.year, self.gen
        needs: list[Need] = []
        resources: list[Resource] = []
        matches: list[tuple[Match, AgreementItem]] = []

        signed: dict[int, list[Org]] = defaultdict(list)  # communities a unit already has an agreement with
        for a in self.agreements:
            if a.org.level.code == "community":
                signed[a.unit_id].append(a.org)

        def provider(pool: list[Unit]) -> Unit:
            """Mostly a unit with an agreement already: its matches become items of that agreement."""
            bound = [u for u in pool if signed[u.pk]]
            return rng.choice(bound if bound and rng.random() < 0.85 else pool)

        def community_near(u: Unit) -> Org:
            if signed[u.pk] and rng.random() < 0.85:
                return rng.choice(signed[u.pk])  # the match becomes an item of their agreement
            if u.place.level.code == "community":
                return u.place if rng.random() < 0.7 else rng.choice(gen.in_street[gen.street_of[u.place.pk].pk])
            return rng.choice(gen.in_street[u.place.pk])

        def resource(u: Unit, kind: str, title: str, capacity: int, *, idle: bool = False, area: int | None = None,
                     day: dt.date | None = None) -> Resource:
            day = day or gen.date(dt.date(year, 1, 10), dt.date(year, 4, 30))
            r = Resource(unit=u, unit_path=u.org_path, kind=kind, title=title, capacity=capacity, area_m2=area,
                         availability=rng.choice(["周六、周日全天", "工作日晚间", "预约使用", "常年"]),
                         place=u.place, place_path=u.place.path, idle=idle, created_at=_at(day, rng),
                         detail=f"{u.name}提供，{'原为闲置，经共建盘活' if idle else '经大工委统筹列入资源清单'}。")
            resources.append(r)
            return r

        def need(org: Org, kind: str, title: str, quantity: int, day: dt.date, state: str = NeedState.OPEN) -> Need:
            n = Need(org=org, org_path=org.path, kind=kind, title=title, quantity=quantity, state=state,
                     detail=f"{org.name}提出：{title}。", created_at=_at(day, rng))
            needs.append(n)
            return n

        def match(n: Need, r: Resource, quantity: int, day: dt.date) -> None:
            remaining = r.capacity - r.used
            r.used += quantity
            n.state = NeedState.MATCHED
            a = self.by_pair.get((n.org_id, r.unit_id)) or self.agreement(
                n.org, r.unit, day, dt.date(year, 12, 31),
                title=f"{n.org.name}与{r.unit.name}资源联享认领书（{year}年）")
            it = self.item(a, ItemKind.SHARED_RESOURCES, f"资源联享：{r.title}",
                           min(day + dt.timedelta(days=rng.randint(20, 60)), dt.date(year, 12, 31)),
                           state=ItemState.DONE, unit_owner=gen.name()[0], target=f"满足“{n.title}”，{quantity:,}"
                           f"{KIND_WORDS[r.kind]}")
            street = r.place_path if r.place.level.code == "street" else r.place_path[:-Org.steplen]
            tier = 0 if r.place_id == n.org_id else 1 if n.org_path.startswith(street) else 2
            reason = reason_text(r.kind, tier, remaining, idle=r.idle)
            matches.append((Match(need=n, resource=r, quantity=quantity, reason=reason, item=it,
                                  accepted_at=_at(day, rng)), it))

        # Units with a seat on a street council (大工委): the premises they give to their street are the
        # article's 2,400 多平方米 (``metrics``: horizontal.space_m2), so the other shared venues come from units
        # without one.
        street_seated = {m.unit.pk for m in self.members if m.seat == SeatKind.UNIT and m.unit is not None
                         and m.council.org.level.code in ("street", "township")}
        unseated = [u for u in self.units if u.pk not in street_seated] or self.units

        def street_of(u: Unit) -> Org:
            return u.place if u.place.level.code == "street" else gen.street_of[u.place.pk]

        # 2,400 多平方米 of premises from 市总工会 and 绿地集团安庆置业 (both on their street's 大工委), for the 商圈
        # and 楼宇 党群服务中心 of a community of the street they sit in (驻地街道).
        union, greenland = self.by_name.get(UNION), self.by_name.get(GREENLAND)
        if union is not None and greenland is not None:
            total = rng.randint(*PREMISES_M2)
            a1 = rng.randint(total * 30 // 100, total * 40 // 100)
            a2 = rng.randint(total * 15 // 100, total * 25 // 100)
            for u, title, area in ((union, "职工服务中心大楼二层（商圈党群服务中心用房）", a1),
                                   (union, "工人文化宫闲置用房", a2),
                                   (greenland, "绿地中心裙楼用房（楼宇党群服务中心）", total - a1 - a2)):
                r = resource(u, ResourceKind.VENUE, title, area, idle=True, area=area)
                day = gen.date(dt.date(year, 3, 1), dt.date(year, 6, 30))
                home = gen.in_street[street_of(u).pk]
                near = [c for c in signed[u.pk] if c in home]
                n = need(rng.choice(near or home), ResourceKind.VENUE, rng.choice(NEEDS[ResourceKind.VENUE][4:6]),
                         area, day)
                match(n, r, area, day + dt.timedelta(days=rng.randint(5, 30)))
        # 30 多处 idle resources put to use.
        for _ in range(rng.randint(*IDLE_PUT_TO_USE) - 3):
            kind = rng.choices(list(IDLE), weights=[6, 2, 2])[0]
            u = provider(unseated if kind == ResourceKind.VENUE else self.units)
            cap = rng.randint(40, 400) if kind == ResourceKind.VENUE else rng.randint(5, 60)
            r = resource(u, kind, rng.choice(IDLE[kind]), cap, idle=True,
                         area=cap if kind == ResourceKind.VENUE else None)
            day = gen.date(dt.date(year, 2, 1), dt.date(year, 10, 31))
            q = rng.randint(max(1, cap // 2), cap)
            n = need(community_near(u), ResourceKind.OTHER if kind == ResourceKind.OTHER else kind,
                     _fit(rng, kind, r.title), q, day)
            match(n, r, q, day + dt.timedelta(days=rng.randint(3, 25)))
        # 50 多万元 of support raised: funds from enterprises and institutions, matched to communities' needs.
        funders = [u for u in self.units if u.type in (UnitType.STATE_ENTERPRISE, UnitType.PRIVATE_ENTERPRISE,
                                                        UnitType.INSTITUTION)]
        total = rng.randint(*FUNDS_RAISED) * 1000
        parts = rng.randint(10, 14)
        shares = _spread(rng, total // 1000 - 10 * parts, parts, base=0)
        for share in shares:
            q = (share + 10) * 1000
            u = provider(funders)
            r = resource(u, ResourceKind.FUNDS, rng.choice(["文明创建扶持资金", "共建专项资金", "社区公益基金"]),
                         q + rng.choice([0, 0, 5000, 10000, 20000]))
            day = gen.date(dt.date(year, 3, 1), dt.date(year, 11, 15))
            n = need(community_near(u), ResourceKind.FUNDS, rng.choice(NEEDS[ResourceKind.FUNDS]), q, day)
            match(n, r, q, day + dt.timedelta(days=rng.randint(5, 30)))
        # What units offer besides, part of it matched (the named units offer something each).
        named = [self.by_name[n] for n in (ZHENFA, ZIFENG, SHANGQUAN, UNION, GREENLAND) if n in self.by_name]
        for i in range(rng.randint(36, 44)):
            kind = rng.choice(list(OFFERS))
            u = named[i] if i < len(named) else provider(unseated if kind == ResourceKind.VENUE else self.units)
            cap = rng.randint(60, 300) if kind == ResourceKind.VENUE else rng.randint(10, 120)
            r = resource(u, kind, rng.choice(OFFERS[kind]), cap, area=cap if kind == ResourceKind.VENUE else None)
            if rng.random() < 0.3 and not (kind == ResourceKind.VENUE and u.pk in street_seated):
                day = gen.date(dt.date(year, 3, 1), dt.date(year, 11, 15))
                q = rng.randint(1, max(1, cap // 2))
                n = need(community_near(u), kind, _fit(rng, kind, r.title), q, day)
                match(n, r, q, day + dt.timedelta(days=rng.randint(3, 20)))
        # Services the communities provide.
        services = []
        for c in gen.communities:
            for kind, title, schedule in rng.sample(SERVICES, rng.randint(1, 2)):
                services.append(Service(org=c, org_path=c.path, kind=kind, title=title, schedule=schedule,
                                        detail=f"{c.name}面向居民和驻区单位提供。",
                                        created_at=_at(gen.date(dt.date(year, 1, 5), dt.date(year, 3, 31)), rng)))
        # Needs still open or closed, up to 200 多 entries in all.
        entries = LIST_ENTRIES + rng.randint(0, 10)
        while len(needs) + len(resources) + len(services) < entries:
            kind = rng.choice(list(NEEDS))
            day = gen.date(dt.date(year, 2, 1), dt.date(year, 12, 15))
            state = NeedState.CLOSED if rng.random() < 0.15 else NeedState.OPEN
            need(rng.choice(gen.communities), kind, rng.choice(NEEDS[kind]),
                 rng.randint(1000, 30000) if kind == ResourceKind.FUNDS else rng.randint(5, 200), day, state)
        return needs, resources, services, matches


def _update_note(progress: int) -> str:
    if progress >= 100:
        return "已全部完成，双方确认。"
    if progress >= 60:
        return "主体工作已完成，正在收尾。"
    if progress >= 30:
        return "已制定方案，正在推进。"
    return "已召开对接会，明确分工。"


def _write(year: _Year, pairings: list[tuple[Pairing, list[Activity]]], needs: list[Need], resources: list[Resource],
           services: list[Service], matches: list[tuple[Match, AgreementItem]]) -> None:
    with _history():
        Agreement.objects.bulk_create(year.agreements, batch_size=500)
        items = []
        for a, it, _ in year.items:
            it.agreement = a
            items.append(it)
        AgreementItem.objects.bulk_create(items, batch_size=500)
        updates = []
        for _, it, ups in year.items:
            for u in ups:
                u.item = it
                updates.append(u)
        ItemUpdate.objects.bulk_create(updates, batch_size=1000)
        through = AgreementItem.demands.through
        through.objects.bulk_create([through(agreementitem_id=it.pk, demand_id=pk)
                                     for it, pks in year.links for pk in pks], batch_size=1000)
        Pairing.objects.bulk_create([p for p, _ in pairings], batch_size=500)
        acts = []
        for p, rows in pairings:
            for act in rows:
                act.pairing = p
                acts.append(act)
        Activity.objects.bulk_create(acts, batch_size=1000)
        Need.objects.bulk_create(needs, batch_size=500)
        Resource.objects.bulk_create(resources, batch_size=500)
        Service.objects.bulk_create(services, batch_size=500)
        Match.objects.bulk_create([m for m, _ in matches], batch_size=500)


def _closed_demands(district: Org, year: int, communities: list[Org]) -> dict[str, list[int]]:
    """Closed demands of the year by community path (for the items that solved problems)."""
    from zongheng.demands.choices import Status
    from zongheng.demands.models import Demand

    by_path: dict[str, list[int]] = defaultdict(list)
    paths = sorted((c.path for c in communities), key=len, reverse=True)
    rows = (Demand.objects.filter(grid_path__startswith=district.path, status=Status.CLOSED,
                                  closed_at__year=year).order_by("pk").values_list("pk", "grid_path"))
    for pk, grid_path in rows:
        for p in paths:
            if grid_path.startswith(p):
                by_path[p].append(pk)
                break
    return by_path


# ------------------------------------------------------------------ liaison demo accounts


def _accounts(gen: _Gen, units: list[Unit]) -> list[str]:
    """The liaison demo accounts (orgs.demo.DEMO_ACCOUNTS, role liaison): a person on the unit's node, a post
    of 驻区单位联络员 there, and the account, with the demo password."""
    from django.contrib.auth.hashers import make_password

    from zongheng.accounts.models import User
    from zongheng.orgs.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    by_name = {u.name: u for u in units}
    specs = [a for a in DEMO_ACCOUNTS if a["role"] == Role.LIAISON and a["org"] + gen.suffix in by_name]
    if not specs:
        return []
    hashed = (User.objects.filter(is_demo=True).exclude(password="").values_list("password", flat=True).first()
              or make_password(DEMO_PASSWORD))
    done = []
    for spec in specs:
        unit = by_name[spec["org"] + gen.suffix]
        person = gen.person(unit.org, unit.name)
        person.save()
        gen.people.remove(person)
        Post.objects.create(person=person, role=Role.LIAISON, org=unit.org, starts_on=dt.date(gen.year, 1, 2))
        user, _ = User.objects.get_or_create(username=spec["username"])
        user.person, user.first_name, user.password = person, person.name, hashed
        user.is_demo, user.must_change_password, user.is_active = True, False, True
        user.save()
        done.append(spec["username"])
    return done


# ------------------------------------------------------------------ public entry points


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None,
          accounts: bool = True) -> Built:
    """The year's horizontal line for one district copy (see the module's docstring)."""
    log = log or (lambda _msg: None)
    with transaction.atomic():
        gen = _Gen(district, seed, year, log)
        units = gen.units()
        councils, members = gen.councils(units)
        attended = gen.attendance(members)
        yr = _Year(gen, units, members)
        yr.year_agreements()
        pairings = yr.pairings()
        needs, resources, services, matches = yr.lists()
        problems = yr.settle(_closed_demands(district, year, gen.communities))
        _write(yr, pairings, needs, resources, services, matches)
        made = _accounts(gen, units) if accounts else []
    built = Built(units=len(units), councils=len(councils), members=len(members), agreements=len(yr.agreements),
                  items=len(yr.items), problems=problems, pairings=len(pairings),
                  activities=sum(len(a) for _, a in pairings), needs=len(needs), resources=len(resources),
                  services=len(services), matches=len(matches), accounts=made)
    log(f"{year} 年认领书 {built.agreements} 份（项目 {built.items} 项，解决问题 {problems} 件），结对共建 "
        f"{built.pairings} 对（活动 {built.activities} 次），清单 {built.needs + built.resources + built.services} 条，"
        f"资源对接 {built.matches} 项，兼职委员出席会议 {attended} 人次")
    return built


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               now: dt.datetime | None = None) -> Built:
    """This year up to ``now``: the pairings' activities (a few behind pace), agreements signed this year
    with items due soon or overdue (the liaison accounts' units among them), open needs with proposals."""
    from zongheng.orgs.demo import DEMO_ACCOUNTS

    log = log or (lambda _msg: None)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    year = today.year
    rng = random.Random(seed * 17 + year)
    home_name = next(a["org"] for a in DEMO_ACCOUNTS if a["username"] == "community")  # 先锋社区
    gen = _Gen(district, seed + year, year, log)
    gen.rng = rng
    units = list(Unit.objects.filter(org_path__startswith=district.path).select_related("org", "place__level"))
    if not units:
        return Built()
    first = dt.date(year, 1, 1)
    elapsed = max(0.0, min(1.0, (today - first).days / 365))
    built = Built()
    with transaction.atomic(), _history():
        # The pairings' activities this year: most on pace, a few behind.
        pairings = list(Pairing.objects.filter(org_path__startswith=district.path, ends_on__isnull=True)
                        .select_related("unit", "org").order_by("pk"))
        behind = set(rng.sample(range(len(pairings)), min(len(pairings), rng.randint(3, 5))))
        # The demo community's (and so its street's) accounts see one of them: their warning and to-do.
        home_pairings = sorted((i for i, p in enumerate(pairings) if p.org.name == home_name),
                               key=lambda i: pairings[i].unit_id is None)  # a unit's first (warns both sides)
        if home_pairings and not behind & set(home_pairings):
            behind.add(home_pairings[0])
        acts = []
        for i, p in enumerate(pairings):
            pace = math.ceil(p.required_per_year * elapsed)
            zhenfa = p.unit is not None and p.unit.name == ZHENFA + gen.suffix
            n = rng.randint(0, max(0, pace - 2)) if i in behind and not zhenfa else pace + rng.randint(0, 2)
            last = today - dt.timedelta(days=1)
            for _ in range(n):
                day = gen.date(max(first, p.starts_on + dt.timedelta(days=1)), last) if last >= first else today
                kind = rng.choice(list(ACTIVITIES))
                acts.append(Activity(pairing=p, held_on=day, kind=kind, content=rng.choice(ACTIVITIES[kind]),
                                     participants=rng.randint(10, 60),
                                     residents_reached=rng.choice([0, 30, 80, 150]), created_at=_at(day, rng)))
        Activity.objects.bulk_create(acts, batch_size=1000)
        built.pairings, built.activities = len(pairings), len(acts)
        # Agreements signed this year: the named units' and a sample of the council members'.
        seats = list(CouncilMember.objects.filter(council__org_path__startswith=district.path, seat=SeatKind.UNIT)
                     .select_related("council__org", "unit__org", "unit__place"))
        named = {n + gen.suffix for n in (ZHENFA, UNION)}
        pick = [m for m in seats if m.unit is not None and m.unit.name in named]
        # A unit member of the demo community's council signs too: its items are the community's to-do.
        home_seat = next((m for m in seats if m.unit is not None and m.council.org.name == home_name
                          and m not in pick), None)
        pick += [home_seat] if home_seat is not None else []
        rest = [m for m in seats if m not in pick]
        pick += rng.sample(rest, min(len(rest), rng.randint(14, 20)))
        year_end = dt.date(year, 12, 31)
        yr = _Year(gen, units, seats)
        yr.owner = dict(CouncilMember.objects.filter(council__org_path__startswith=district.path, seat=SeatKind.OWN)
                        .values_list("council__org_id", "name"))
        shown_units: set[int] = set()
        for m in pick:
            if m.unit is None:
                continue
            org = m.council.org
            if (org.pk, m.unit.pk) in yr.by_pair:
                continue
            a = yr.agreement(org, m.unit, gen.date(first + dt.timedelta(days=5), min(today, dt.date(year, 3, 31))),
                             dt.date(year, 12, 31))
            # One item due soon and one overdue for each named unit (its first agreement, not one per council it
            # sits on: a unit on a dozen councils made a third of the past-due items overdue) and the home seat.
            shown = (m.unit.name in named and m.unit.pk not in shown_units) or m is home_seat
            if shown:
                shown_units.add(m.unit.pk)
            for j, kind in enumerate(rng.sample(list(ItemKind), 3)):
                if shown and j == 0:
                    yr.item(a, kind, rng.choice(ITEMS[kind]),
                            min(year_end, today + dt.timedelta(days=rng.randint(3, 12))),
                            state=ItemState.OPEN, unit_owner=m.name, progress=rng.choice([40, 60]), today=today)
                    continue
                if shown and j == 1:
                    yr.item(a, kind, rng.choice(ITEMS[kind]), today - dt.timedelta(days=rng.randint(2, 9)),
                            state=ItemState.OPEN, unit_owner=m.name, progress=rng.choice([50, 70, 80]), today=today)
                    continue
                # Past its due date an item is mostly done (some late), seldom dropped, else overdue.
                due = gen.date(dt.date(year, 3, 1), min(year_end, today + dt.timedelta(days=45)))
                x = rng.random()
                state = (ItemState.OPEN if due >= today else ItemState.DONE if x < LIVE_DONE
                         else ItemState.DROPPED if x < LIVE_DONE + LIVE_DROPPED else ItemState.OPEN)
                yr.item(a, kind, rng.choice(ITEMS[kind]), due, state=state, unit_owner=m.name,
                        late=state == ItemState.DONE and rng.random() < 0.15, today=today)
        Agreement.objects.bulk_create(yr.agreements)
        for a, it, _ in yr.items:
            it.agreement = a
        AgreementItem.objects.bulk_create([it for _, it, _ in yr.items])
        ItemUpdate.objects.bulk_create([_with_item(u, it) for _, it, ups in yr.items for u in ups])
        built.agreements, built.items = len(yr.agreements), len(yr.items)
        # Open needs that the matching can propose resources for (same community, same kind, room left).
        # Premises are asked for by the room (a 2 m² 党员活动室 read as a typo): 40 m² or more left.
        offers = list(Resource.objects.filter(unit_path__startswith=district.path, active=True,
                                              place__level__code="community",
                                              capacity__gt=models.F("used") + 5)
                      .exclude(kind=ResourceKind.FUNDS)
                      .exclude(kind=ResourceKind.VENUE, capacity__lt=models.F("used") + 40)
                      .select_related("place").order_by("pk"))
        needs = []
        for r in rng.sample(offers, min(len(offers), rng.randint(3, 5))):
            room = r.capacity - r.used
            day = today - dt.timedelta(days=rng.randint(1, 10))
            least = 20 if r.kind == ResourceKind.VENUE else 1
            needs.append(Need(org=r.place, org_path=r.place.path, kind=r.kind, title=_fit(rng, r.kind, r.title),
                              quantity=rng.randint(least, max(least, room // 2)), state=NeedState.OPEN,
                              detail=f"{r.place.name}提出，待对接。", created_at=_at(day, rng)))
        Need.objects.bulk_create(needs)
        built.needs = len(needs)
        # Unit members attend this year's held joint meetings of their councils.
        gen.attendance(list(CouncilMember.objects.filter(council__org_path__startswith=district.path,
                                                         seat=SeatKind.UNIT, person__isnull=False)
                            .select_related("council__org__level")))
    built.summons = _summon_live(district, [a["org"] for a in DEMO_ACCOUNTS if a["role"] == Role.LIAISON])
    log(f"今年以来：共建活动 {built.activities} 次，认领书 {built.agreements} 份（项目 {built.items} 项），"
        f"待对接需求 {built.needs} 条，吹哨召集驻区单位 {built.summons} 次")
    return built


def _summon_live(district: Org, unit_names: list[str]) -> int:
    """The demo liaisons' units are summoned (吹哨) to an open demand of their street, by the street's secretary
    through the demands module's own action, so a liaison finds a summoned demand waiting for their 报到."""
    from zongheng.core.errors import ActionError
    from zongheng.demands.actions import do_whistle
    from zongheng.demands.choices import Status
    from zongheng.demands.demo import account_of
    from zongheng.demands.models import Demand

    step = Org.steplen
    count = 0
    for unit in Unit.objects.filter(name__in=unit_names, org_path__startswith=district.path).select_related("org"):
        street_path = unit.org_path[:len(district.path) + step]
        post = (Post.objects.active().filter(org__path=street_path, role=Role.SECRETARY)
                .select_related("person").order_by("id").first())
        demand = (Demand.objects.filter(grid_path__startswith=street_path,
                                        status__in=[Status.ACCEPTED, Status.IN_PROGRESS])
                  .exclude(summons__org=unit.org).order_by("-received_at", "id").first())
        if post is None or demand is None:
            continue
        try:
            do_whistle(account_of(post.person), demand, [unit.org], note=f"请{unit.name}协助处置")
        except ActionError:
            continue
        count += 1
    return count


def _with_item(update: ItemUpdate, item: AgreementItem) -> ItemUpdate:
    update.item = item
    return update


def figures(district: Org, year: int = 2018) -> dict[str, int]:
    """The article's figures for one district copy, counted from the rows (the command's report)."""
    from django.db.models import Sum

    below = district.path
    members = CouncilMember.objects.filter(council__org_path__startswith=below, seat=SeatKind.UNIT)
    street_members = members.filter(council__org__level__code="street")
    community_members = members.filter(council__org__level__code="community")
    agreements = Agreement.objects.filter(org_path__startswith=below, signed_on__year=year)
    pairings = Pairing.objects.filter(org_path__startswith=below)
    matches = Match.objects.filter(need__org_path__startswith=below)
    return {
        "street_councils": Council.objects.filter(org_path__startswith=below, org__level__code="street").count(),
        "street_unit_members": street_members.values("unit").distinct().count(),
        "community_councils": Council.objects.filter(org_path__startswith=below,
                                                     org__level__code="community").count(),
        "community_unit_members": community_members.count(),
        "county_city_cadres": community_members.filter(rank=Rank.COUNTY, unit__level=UnitLevel.CITY).count(),
        "agreements": agreements.count(),
        "problems_solved": AgreementItem.objects.filter(agreement__in=agreements)
        .aggregate(n=Sum("problems_solved"))["n"] or 0,
        "agency_pairings": pairings.filter(unit__type=UnitType.AGENCY).count(),
        "firm_pairings": pairings.filter(unit__type__in=[UnitType.PRIVATE_ENTERPRISE, UnitType.SOCIAL]).count(),
        "outside_pairings": pairings.filter(partner_kind=PartnerKind.OUTSIDE).count(),
        "list_entries": (Need.objects.filter(org_path__startswith=below, created_at__year=year).count()
                         + Resource.objects.filter(unit_path__startswith=below).count()
                         + Service.objects.filter(org_path__startswith=below).count()),
        "idle_put_to_use": Resource.objects.filter(unit_path__startswith=below, idle=True,
                                                   matches__isnull=False).distinct().count(),
        "funds_raised": matches.filter(resource__kind=ResourceKind.FUNDS).aggregate(n=Sum("quantity"))["n"] or 0,
        "premises_m2": matches.filter(
            Q(resource__unit__name=UNION + _suffix(district)) | Q(resource__unit__name=GREENLAND + _suffix(district)),
            resource__kind=ResourceKind.VENUE).aggregate(n=Sum("quantity"))["n"] or 0,
    }


FIGURE_LABELS = {
    "street_councils": "街道大工委", "street_unit_members": "大工委兼职委员单位", "community_councils": "社区大党委",
    "community_unit_members": "大党委单位委员", "county_city_cadres": "其中市直县处级", "agreements": "项目认领书",
    "problems_solved": "解决问题（件）", "agency_pairings": "机关结对", "firm_pairings": "企业/社会组织结对",
    "outside_pairings": "苏浙沪结对", "list_entries": "清单条目", "idle_put_to_use": "盘活闲置资源（处）",
    "funds_raised": "争取资金（元）", "premises_m2": "房产支持（平方米）",
}


def reset() -> None:
    """Deletes every 一横 row (matches first: they hold needs, resources and items)."""
    Match.objects.all().delete()
    for model in (Activity, Pairing, ItemUpdate, AgreementItem, Agreement, Need, Resource, Service, CouncilMember,
                  Council, Unit):
        model.objects.all().delete()
