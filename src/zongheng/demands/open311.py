"""Open311 GeoReport v2 under ``/open311/v2/`` — JSON and XML, as the standard asks.

Endpoints (``.json`` or ``.xml``): ``discovery``, ``services``, ``services/<service_code>``
(service definition), ``requests`` (GET list, POST a new request) and
``requests/<service_request_id>``. ``service_code`` is ``Category.code``;
``service_request_id`` is ``Demand.ref``. Requests are realtime (no ``tokens`` resource).

POST: CSRF-exempt (it is an API for other apps). With ``api_key`` (an API token of a user
who may enter demands in the grid) the demand is entered for that user and not
throttled; without one it is a resident's submission, counted in the same per-client
bucket as the public form (``DEMAND_PUBLIC_PER_HOUR`` an hour for both together, in the
database). A wrong ``api_key`` is refused (403). ``api_key`` is best sent in the POST body;
in a query string it is accepted but masked in this process's logs (``logredact``), and a
proxy in front must drop query strings from its access log for ``/open311/``.
The grid comes from ``attribute[grid]`` (the id of a grid org; a wrong one is a 400), else from
``lat``/``long`` inside a grid's boundary, else from ``address_string`` (the grids' places, names).
A request whose place finds no grid is accepted all the same (never refused: GeoReport clients send
coordinates and a street address, not a grid): it goes, received, to the community, street or
district the address points at (``suggest.intake_org``), whose staff assign its grid.
The response carries the resident's tracking code in ``service_notice`` (shown once).

GET requests: no personal data. Anonymous callers get status, dates, service and the
grid's name as the address (no description, no address, no coordinates); with an
``api_key`` whose user may view demands, the requests in that user's scope also carry
description, address and lat/long (never a phone number). Errors use the standard's
format — ``[{"code": …, "description": …}]`` or ``<errors><error>…`` — with the same HTTP status,
in Chinese. Any input answers 2xx or 4xx: malformed dates, NaN/∞ coordinates, NUL bytes, unknown
parameters values all get a 400 with a description, never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from zongheng.accounts.auth import user_for_key
from zongheng.accounts.middleware import MUST_CHANGE_MESSAGE, must_change_password
from zongheng.core.access import in_scope, path_q, scope_paths
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org

from . import actions
from .choices import OPEN_STATUSES, Channel, Urgency
from .models import Category, Demand
from .suggest import active_category, open_grid, place_demand

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-01-01T00:00:00+08:00"
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90
MIME = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


# ---------------------------------------------------------------- rendering


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _iso(value) or ""
    return str(value)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(timezone.get_current_timezone()).isoformat(timespec="seconds") if value else None


def _xml_fill(parent: ET.Element, data: dict[str, Any], list_items: dict[str, str]) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            item_tag = list_items[key]
            for item in value:
                if isinstance(item, dict):
                    _xml_fill(ET.SubElement(child, item_tag), item, list_items)
                else:
                    ET.SubElement(child, item_tag).text = _text(item)
        elif isinstance(value, dict):
            _xml_fill(child, value, list_items)
        else:
            child.text = _text(value)


# Element names of list members, from the spec.
LIST_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


def _xml(root: str, item: str | None, data: Any) -> bytes:
    top = ET.Element(root)
    if item is None:
        _xml_fill(top, data, LIST_ITEMS)
    else:
        for row in data:
            _xml_fill(ET.SubElement(top, item), row, LIST_ITEMS)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value))


def _respond(fmt: str, data: Any, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = _xml(root, item, data)
    else:
        body = json.dumps(data, ensure_ascii=False, default=_json_default).encode()
    return HttpResponse(body, content_type=MIME[fmt], status=status)


def _error(fmt: str, code: int, description: str) -> HttpResponse:
    return _respond(fmt, [{"code": code, "description": description}], "errors", "error", status=code)


def _check_input(request: HttpRequest) -> None:
    """Refuses what no parameter may hold (NUL bytes, control characters) before any lookup."""
    sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for data in sources:
        for key, values in data.lists():
            for value in (key, *values):
                if "\x00" in value:
                    raise Open311Error(400, "参数中含有不允许的空字符")


def _endpoint(view: Any) -> Any:
    """Turns Open311Error / ActionError into the standard's error format."""
    def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            _check_input(request)
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc.code, exc.description)
        except ActionError as exc:
            return _error(fmt, 400, exc.message)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# ---------------------------------------------------------------- discovery and services


@_endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"})).rsplit("/", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": "纵横 民心零距离（请通过所在社区或民心驿站联系）",
        "key_service": "在纵横个人资料页创建 API 令牌，作为 api_key 使用",
        "endpoints": [{
            "specification": SPEC, "url": url, "changeset": CHANGESET, "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }
    return _respond(fmt, data, "discovery")


def _service(c: Category) -> dict[str, Any]:
    return {
        "service_code": c.code, "service_name": c.name, "description": c.name, "metadata": True,
        "type": "realtime", "keywords": ",".join(c.keywords.split()), "group": "民心零距离",
    }


@_endpoint
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [_service(c) for c in Category.objects.filter(active=True).order_by("order", "id")]
    return _respond(fmt, rows, "services", "service")


def _attributes() -> list[dict[str, Any]]:
    return [
        {
            "variable": True, "code": "urgency", "datatype": "singlevaluelist", "required": False,
            "datatype_description": "默认为一般", "order": 1, "description": "紧急程度",
            "values": [{"key": v, "name": label} for v, label in Urgency.choices],
        },
        {
            "variable": True, "code": "grid", "datatype": "number", "required": False,
            "datatype_description": "网格的组织编号（挂牌亮相页面可查）；不填时按 address_string 匹配网格",
            "order": 2, "description": "所在网格",
        },
    ]


@_endpoint
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, f"没有代码为 {code[:32]} 的服务类别")
    data = {"service_code": category.code, "attributes": _attributes()}
    return _respond(fmt, data, "service_definition")


# ---------------------------------------------------------------- requests


def _key_user(request: HttpRequest, data: Any) -> Any:
    key = (data.get("api_key") or "").strip()
    if not key:
        return None
    user = user_for_key(key)
    if user is None:
        raise Open311Error(403, "api_key 无效或已撤销")
    if must_change_password(user):
        raise Open311Error(403, MUST_CHANGE_MESSAGE)
    return user


def _status(d: Demand) -> str:
    return "open" if d.status in OPEN_STATUSES else "closed"


def _request_row(d: Demand, full: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "service_request_id": d.ref, "status": _status(d), "status_notes": d.get_status_display(),
        "service_name": d.category.name, "service_code": d.category.code,
        "description": d.description if full else "",
        "agency_responsible": d.org.name, "service_notice": "",
        "requested_datetime": _iso(d.received_at),
        "updated_datetime": _iso(getattr(d, "updated", None) or d.received_at),
        "expected_datetime": _iso(d.resolution_due_at) if d.status in OPEN_STATUSES else None,
        "address": d.address if full else d.grid.name, "address_id": "", "zipcode": "",
        "lat": float(d.lat) if full and d.lat is not None else None,
        "long": float(d.long) if full and d.long is not None else None,
        "media_url": "",
    }
    return row


def _visible_paths(user: Any) -> tuple[str, ...]:
    return scope_paths(user, Perm.DEMAND_VIEW) if user is not None else ()


def _requests_qs() -> QuerySet[Demand]:
    return Demand.objects.select_related("category", "grid", "org").annotate(updated=Max("events__at"))


def _rows(qs: QuerySet[Demand], user: Any) -> list[dict[str, Any]]:
    paths = _visible_paths(user)
    return [_request_row(d, any(d.grid_path.startswith(p) or d.org_path.startswith(p) for p in paths)) for d in qs]


def _date(value: str, name: str) -> dt.datetime:
    """An ISO 8601 time; impossible dates (2018-13-45, 2018-02-30), odd offsets or years out of
    1900–2199 are refused with a 400."""
    message = f"{name} 应为 ISO 8601 时间，如 2018-03-05T09:00:00+08:00"
    try:
        parsed = parse_datetime(value.strip().replace(" ", "+")[:64]) if value else None
        if parsed is None:
            raise Open311Error(400, message)
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise Open311Error(400, f"{message}（日期或时间不存在）") from None
    if not 1900 <= parsed.year < 2200:
        raise Open311Error(400, f"{name} 超出范围（1900 年至 2199 年）")
    return parsed


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    q = request.GET
    user = _key_user(request, q)
    qs = _requests_qs()
    ids = [x.strip() for x in q.get("service_request_id", "").split(",") if x.strip()]
    if ids:
        qs = qs.filter(ref__in=ids[:MAX_REQUESTS])  # other parameters are ignored, as the spec says
    else:
        if q.get("service_code"):
            qs = qs.filter(category__code__in=[c.strip() for c in q["service_code"].split(",")])
        end = _date(q["end_date"], "end_date") if q.get("end_date") else None
        start = _date(q["start_date"], "start_date") if q.get("start_date") else None
        if start is None and end is None:
            start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
        if start is not None:
            qs = qs.filter(received_at__gte=start)
        if end is not None:
            qs = qs.filter(received_at__lte=end)
        statuses = {s.strip() for s in q.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status 只能是 open 或 closed")
        if statuses == {"open"}:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif statuses == {"closed"}:
            qs = qs.exclude(status__in=OPEN_STATUSES)
    rows = _rows(qs.order_by("-received_at", "-id")[:MAX_REQUESTS], user)
    return _respond(fmt, rows, "service_requests", "request")


def _decimal(value: str, name: str, bound: int) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value.strip()[:40])
        if not number.is_finite():
            raise Open311Error(400, f"{name} 应为有限的数字（不能是 NaN 或无穷大）")
        if not -bound <= number <= bound:
            raise Open311Error(400, f"{name} 超出范围（-{bound} 至 {bound}）")
        return number.quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, ArithmeticError):
        raise Open311Error(400, f"{name} 应为数字") from None


def _grid(data: Any, lat: Decimal | None, long: Decimal | None) -> tuple[Org, bool]:
    """(grid, False), or (the organisation that assigns the grid, True) when the place finds no grid."""
    raw = (data.get("attribute[grid]") or "").strip()
    if raw:
        grid = open_grid(int(raw)) if re.fullmatch(r"[0-9]{1,18}", raw) else None
        if grid is None:
            raise Open311Error(400, f"attribute[grid] 不是网格编号：{raw[:20]}")
        return grid, False

    address = (data.get("address_string") or "").strip()
    point = (float(lat), float(long)) if lat is not None and long is not None else (None, None)
    found, receiver = place_demand(address, *point)
    if found is not None:
        return found, False
    if receiver is None:
        raise Open311Error(400, "暂时无法受理：系统中还没有网格")
    return receiver, True


@transaction.atomic
def _submit(data: dict[str, Any], actor: Any, client: str | None, unplaced: bool = False) -> tuple[Demand, str]:
    if client is not None:
        from .actions_public import _throttle

        _throttle(client, timezone.now())
    return actions.submit_demand(actor, data, allow_unplaced=unplaced)  # in this transaction


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    p = request.POST
    user = _key_user(request, p)
    code = (p.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code")
    category = active_category(code=code)
    if category is None:
        raise Open311Error(404, f"没有代码为 {code[:32]} 的服务类别")
    lat, long = _decimal(p.get("lat", ""), "lat", 90), _decimal(p.get("long", ""), "long", 180)
    address = (p.get("address_string") or "").strip()
    if (lat is None or long is None) and not address and not p.get("address_id"):
        raise Open311Error(400, "请提供位置：lat 和 long，或 address_string")
    description = (p.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "请填写 description（诉求内容）")
    urgency = (p.get("attribute[urgency]") or Urgency.NORMAL).strip()
    if urgency not in Urgency.values:
        raise Open311Error(400, f"attribute[urgency] 只能是 {'、'.join(Urgency.values)}")
    grid, unplaced = _grid(p, lat, long)
    if user is not None and not in_scope(user, Perm.DEMAND_ENTER, grid.path):
        raise Open311Error(403, "该 api_key 的用户不能在此网格登记诉求" if not unplaced else
                           f"无法确定诉求所在网格（将交由{grid.name}分派），该 api_key 的用户不能在此登记；"
                           "请在 attribute[grid] 中提供网格编号")
    where = f"经纬度 {lat}, {long}" if lat is not None and long is not None else grid.name
    name = " ".join(x for x in (p.get("last_name", "").strip(), p.get("first_name", "").strip()) if x)
    data = {
        "channel": Channel.OPEN311, "category": category, "urgency": urgency, "description": description[:2000],
        "address": (address or where)[:200], "grid": grid, "phone": (p.get("phone") or "")[:20],
        "contact_name": name[:50], "lat": lat, "long": long,
    }
    client = None
    if user is None:
        from .actions_public import client_of

        client = client_of(request)  # the same bucket as the web form
    demand, tracking = _submit(data, user, client, unplaced)
    notice = f"已受理。查询码：{tracking}（请妥善保存，用于查询进度和评价）"
    if unplaced:
        notice = f"已受理，由{grid.name}确定所属网格后安排办理。查询码：{tracking}（请妥善保存，用于查询进度和评价）"
    return _respond(fmt, [{"service_request_id": demand.ref, "service_notice": notice, "account_id": None}],
                    "service_requests", "request", status=201)


@csrf_exempt
@_endpoint
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    if request.method in ("GET", "HEAD"):
        return _list_requests(request, fmt)
    raise Open311Error(405, "只支持 GET 和 POST")


@_endpoint
def request_detail(request: HttpRequest, fmt: str, ref: str) -> HttpResponse:
    user = _key_user(request, request.GET)
    qs = _requests_qs().filter(ref=ref[:20])
    rows = _rows(qs, user)
    if not rows:
        raise Open311Error(404, f"没有编号为 {ref[:20]} 的诉求")
    return _respond(fmt, rows, "service_requests", "request")


__all__ = ["discovery", "path_q", "request_detail", "requests", "service_definition", "services"]
