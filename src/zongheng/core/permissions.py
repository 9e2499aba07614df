"""Every role and every permission of the platform, declared in one place.

A post (person, role, organisation) grants its role's permissions on that
organisation's subtree. A user's scope for a permission is the union of the subtrees
of their active posts whose role grants it (see ``zongheng.core.access``).
"""

from __future__ import annotations

from django.db import models


class Perm(models.TextChoices):
    ORG_VIEW = "org.view", "查看组织"
    ORG_CHANGE = "org.change", "维护组织"
    ORG_MOVE = "org.move", "调整组织隶属"
    PERSON_VIEW = "person.view", "查看人员"
    PERSON_CHANGE = "person.change", "维护人员"
    PERSON_REVEAL = "person.reveal", "查看完整证件号和电话"
    PERSON_IMPORT = "person.import", "导入党员名册"
    POST_CHANGE = "post.change", "任免职务"
    POST_GRANT_PLATFORM = "post.grant_platform", "任免组织部干部和审计员"
    AUDIT_VIEW = "audit.view", "查阅审计日志"
    DEMAND_VIEW = "demand.view", "查看居民诉求"
    DEMAND_ENTER = "demand.enter", "登记居民诉求"
    DEMAND_HANDLE = "demand.handle", "承办居民诉求"
    DEMAND_DISPATCH = "demand.dispatch", "派单、上报、吹哨、合并诉求"
    DEMAND_CONFIGURE = "demand.configure", "配置诉求类别、时限和节假日"
    MEETING_VIEW = "meeting.view", "查看会议和议定事项"
    MEETING_CHANGE = "meeting.change", "召集、记录会议和跟踪议定事项"
    MEETING_CONFIGURE = "meeting.configure", "配置会议类型和召开周期"
    NOTICE_VIEW = "notice.view", "查看通知及阅读、回执进度"
    NOTICE_SEND = "notice.send", "发送、提醒和撤回通知"
    COBUILD_VIEW = "cobuild.view", "查看驻区单位、大工委、认领项目、结对共建和三张清单"
    COBUILD_CHANGE = "cobuild.change", "维护驻区单位、大工委、认领书、结对和三张清单"
    COBUILD_PROGRESS = "cobuild.progress", "更新认领项目进度、登记共建活动"
    COBUILD_CONFIGURE = "cobuild.configure", "导入驻区单位、配置结对活动要求"
    MEMBER_VIEW = "member.view", "查看党员报到、民情日记、活动、积分和认领"
    MEMBER_CHANGE = "member.change", "确认报到、组织活动和确认出勤、审核积分申报、发起认领"
    MEMBER_VISIT = "member.visit", "记录民情日记"
    MEMBER_CONFIGURE = "member.configure", "配置积分规则、年度积分结算"
    LIST_VIEW = "list.view", "查看任务清单、项目清单和保障清单"
    LIST_REPORT = "list.report", "报送月度进展、提交佐证、申报和推进党建项目"
    LIST_REVIEW = "list.review", "审核月度进展、季度调度、年度述评、审批和评估项目"
    LIST_CONFIGURE = "list.configure", "导入和分解任务清单、命名党建品牌、配置标准化建设标准"
    EVAL_RUN = "evaluation.run", "组织述职评议（双述双评、每月一评）、录入纸质评分"
    INSPECT_RUN = "inspection.run", "组织巡查、登记问题和整改事项、核验整改"
    FUNDS_MANAGE = "funds.manage", "编制和分配党建经费、登记支出、办公用房和工作者报酬"
    STANDARD_ASSESS = "standard.assess", "标准化建设评分（人工评分指标）"
    CADRE_RECORD = "cadre.record", "评选月度干部之星、记录提拔重用"
    NET_VIEW = "net.view", "查看一张网（各模块数据总览、网格地图）"
    NET_REPORT = "net.report", "生成年度工作报告"


class Role(models.TextChoices):
    ORG_DEPT = "org_dept", "组织部干部"
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    COMMITTEE_MEMBER = "committee_member", "委员"
    SECRETARY_ASSISTANT = "secretary_assistant", "书记助理"
    GRID_LEADER = "grid_leader", "网格长"
    HOUSEHOLD_HEAD = "household_head", "中心户户主"
    LIAISON = "liaison", "驻区单位联络员"
    AUDITOR = "auditor", "审计员"


_DEMANDS = {Perm.DEMAND_VIEW, Perm.DEMAND_ENTER, Perm.DEMAND_HANDLE, Perm.DEMAND_DISPATCH}
_LINKAGE = {Perm.MEETING_VIEW, Perm.MEETING_CHANGE, Perm.NOTICE_VIEW, Perm.NOTICE_SEND}
_COBUILD = {Perm.COBUILD_VIEW, Perm.COBUILD_CHANGE, Perm.COBUILD_PROGRESS}
_MEMBERS = {Perm.MEMBER_VIEW, Perm.MEMBER_CHANGE, Perm.MEMBER_VISIT}
_LISTS = {Perm.LIST_VIEW, Perm.LIST_REPORT, Perm.LIST_REVIEW}
# 保障清单 and 标准化建设: the organisation that runs an evaluation round, an inspection, the funds or a score card.
_ASSURE = {Perm.EVAL_RUN, Perm.INSPECT_RUN, Perm.FUNDS_MANAGE, Perm.STANDARD_ASSESS}
_MANAGE = {
    Perm.ORG_VIEW, Perm.ORG_CHANGE, Perm.ORG_MOVE, Perm.PERSON_VIEW, Perm.PERSON_CHANGE,
    Perm.PERSON_REVEAL, Perm.PERSON_IMPORT, Perm.POST_CHANGE, *_DEMANDS, *_LINKAGE, *_COBUILD, *_MEMBERS,
    *_LISTS, *_ASSURE, Perm.NET_VIEW, Perm.NET_REPORT,
}

ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.ORG_DEPT: frozenset(_MANAGE | {Perm.DEMAND_CONFIGURE, Perm.MEETING_CONFIGURE, Perm.COBUILD_CONFIGURE,
                                Perm.MEMBER_CONFIGURE, Perm.LIST_CONFIGURE, Perm.CADRE_RECORD,
                                Perm.POST_GRANT_PLATFORM}),
    Role.SECRETARY: frozenset(_MANAGE),
    Role.DEPUTY_SECRETARY: frozenset(_MANAGE - {Perm.ORG_MOVE}),
    Role.COMMITTEE_MEMBER: frozenset(
        {Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.PERSON_CHANGE, *_DEMANDS, Perm.MEETING_VIEW, Perm.NOTICE_VIEW,
         Perm.COBUILD_VIEW, Perm.MEMBER_VIEW, Perm.MEMBER_VISIT, Perm.LIST_VIEW, Perm.NET_VIEW}
    ),
    Role.SECRETARY_ASSISTANT: frozenset(
        {Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.PERSON_CHANGE, Perm.PERSON_IMPORT, *_DEMANDS,
         Perm.MEETING_VIEW, Perm.MEETING_CHANGE, Perm.NOTICE_VIEW, *_COBUILD, *_MEMBERS, Perm.LIST_VIEW,
         Perm.LIST_REPORT, Perm.NET_VIEW}
    ),
    Role.GRID_LEADER: frozenset(
        {Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.PERSON_CHANGE, Perm.DEMAND_VIEW, Perm.DEMAND_ENTER, Perm.DEMAND_HANDLE,
         Perm.MEETING_VIEW, Perm.NOTICE_VIEW, Perm.MEMBER_VIEW, Perm.MEMBER_VISIT, Perm.NET_VIEW}
    ),
    # A central household head (a post on the central household's node): its linked households' 民情日记.
    Role.HOUSEHOLD_HEAD: frozenset({Perm.ORG_VIEW, Perm.PERSON_VIEW, Perm.DEMAND_ENTER, Perm.MEMBER_VIEW,
                                    Perm.MEMBER_VISIT}),
    # A stationed unit's liaison (a post on the unit's node): the unit's records, its items' progress and
    # activities, and the demands summoned to it (they handle those) — nothing else.
    Role.LIAISON: frozenset({Perm.ORG_VIEW, Perm.COBUILD_VIEW, Perm.COBUILD_PROGRESS, Perm.DEMAND_VIEW,
                             Perm.DEMAND_HANDLE}),
    Role.AUDITOR: frozenset({Perm.AUDIT_VIEW}),
}

# What a logged-in user may always do with their own person record.
SELF_PERMS: frozenset[str] = frozenset({Perm.PERSON_VIEW})


# ---------------------------------------------------------------- who may grant what (任免权限)

# Roles whose rights reach across the platform (the audit log, the configuration): only the
# organisation department at the root of the tree (区委组织部, ``post.grant_platform`` held on a
# root organisation) or a superuser assigns them.
PLATFORM_ROLES: frozenset[str] = frozenset({Role.ORG_DEPT, Role.AUDITOR})


def grantable_roles(held: frozenset[str] | set[str], *, platform: bool = False) -> tuple[str, ...]:
    """The roles a user may assign on an organisation where they hold the permissions ``held``.

    A role grants only what it holds: without ``post.change`` on the organisation nothing; with
    it, every role whose permissions are a subset of ``held``. ``PLATFORM_ROLES`` are never
    granted by the subset rule: only when ``platform`` is true (the user holds
    ``post.grant_platform`` at a root, see ``core.access.grants_platform_roles``).
    The same rule decides who may end a post of that role.
    """
    if Perm.POST_CHANGE not in held:
        return ()
    out = []
    for role in Role.values:
        if role in PLATFORM_ROLES:
            if platform:
                out.append(role)
        elif ROLE_PERMS[role] <= held:
            out.append(role)
    return tuple(out)
