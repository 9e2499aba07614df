"""Open311 GeoReport v2: JSON valid against schemas written from the spec, XML and JSON agree, POST then GET."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import jsonschema_rs
import pytest
from django.urls import reverse

from zongheng.accounts.actions import do_create_token
from zongheng.demands.choices import Channel
from zongheng.demands.models import Category, Demand

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
SCHEMAS: dict[str, dict[str, Any]] = {
    "discovery": {
        "type": "object", "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {"endpoints": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["specification", "url", "changeset", "type", "formats"],
            "properties": {"specification": STR, "url": STR, "type": {"enum": ["production", "test"]},
                           "formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]}}},
        }}},
    },
    "services": {"type": "array", "items": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "properties": {"service_code": STR, "service_name": STR, "metadata": {"type": "boolean"},
                       "type": {"enum": ["realtime", "batch", "blackbox"]}, "keywords": STR, "group": STR},
    }},
    "service": {
        "type": "object", "required": ["service_code", "attributes"],
        "properties": {"service_code": STR, "attributes": {"type": "array", "items": {
            "type": "object",
            "required": ["variable", "code", "datatype", "required", "datatype_description", "order", "description"],
            "properties": {
                "variable": {"type": "boolean"}, "code": STR, "required": {"type": "boolean"},
                "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
                "order": {"type": "integer"}, "description": STR,
                "values": {"type": "array", "items": {"type": "object", "required": ["key", "name"]}},
            },
        }}},
    },
    "post": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["service_request_id"],
        "properties": {"service_request_id": STR, "token": STR, "service_notice": STR, "account_id": NSTR},
    }},
    "requests": {"type": "array", "items": {
        "type": "object", "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "properties": {
            "service_request_id": STR, "status": {"enum": ["open", "closed"]}, "status_notes": NSTR,
            "service_name": STR, "service_code": STR, "description": NSTR, "agency_responsible": NSTR,
            "service_notice": NSTR, "requested_datetime": STR, "updated_datetime": NSTR,
            "expected_datetime": NSTR, "address": NSTR, "address_id": NSTR, "zipcode": NSTR,
            "lat": {"type": ["number", "null"]}, "long": {"type": ["number", "null"]}, "media_url": NSTR,
        },
    }},
    "errors": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": STR},
    }},
}


def valid(name: str, data: Any) -> Any:
    jsonschema_rs.validate(SCHEMAS[name], data)
    return data


def url(name: str, fmt: str, **kw: Any) -> str:
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kw})


def xml_root(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)  # noqa: S314 — our own response


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def agree(element: ET.Element, data: dict[str, Any]) -> None:
    """Every JSON field of a flat object appears in the XML element with the same text."""
    for key, value in data.items():
        child = element.find(key)
        assert child is not None, key
        if isinstance(value, list):
            continue
        if isinstance(value, float):
            assert float(child.text) == value
        else:
            assert (child.text or "") == as_text(value), key


def test_discovery_in_both_formats(client):
    data = valid("discovery", client.get(url("discovery", "json")).json())
    root = xml_root(client.get(url("discovery", "xml")))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == data["endpoints"][0]["specification"]
    assert [f.text for f in endpoint.findall("formats/format")] == data["endpoints"][0]["formats"]
    assert data["endpoints"][0]["url"].endswith("/open311/v2")


def test_services_are_our_categories_in_both_formats(client, demand_defaults):
    data = valid("services", client.get(url("services", "json")).json())
    codes = list(Category.objects.filter(active=True).values_list("code", flat=True))
    assert [s["service_code"] for s in data] == codes
    root = xml_root(client.get(url("services", "xml")))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == len(data)
    for element, item in zip(services, data, strict=True):
        agree(element, item)


def test_a_service_definition_lists_urgency_and_grid(client, demand_defaults):
    data = valid("service", client.get(url("service", "json", code="sanitation")).json())
    assert [a["code"] for a in data["attributes"]] == ["urgency", "grid"]
    root = xml_root(client.get(url("service", "xml", code="sanitation")))
    assert root.tag == "service_definition"
    attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == ["urgency", "grid"]
    assert [v.findtext("key") for v in attrs[0].findall("values/value")] == [
        v["key"] for v in data["attributes"][0]["values"]]
    missing = client.get(url("service", "json", code="nope"))
    assert missing.status_code == 404 and valid("errors", missing.json())[0]["code"] == 404


def test_post_then_get_round_trips_in_both_formats(client, world):
    grid = world.tree.grids[0]
    response = client.post(url("requests", "json"), {
        "service_code": "sanitation", "description": "垃圾没人清", "address_string": "幸福路 8 号",
        "attribute[grid]": str(grid.pk), "attribute[urgency]": "urgent", "phone": "13712345678",
        "first_name": "小明", "last_name": "王", "lat": "30.5", "long": "117.05",
    })
    assert response.status_code == 201, response.content
    ref = valid("post", response.json())[0]["service_request_id"]
    demand = Demand.objects.get(ref=ref)
    assert demand.channel == Channel.OPEN311 and demand.grid == grid and demand.urgency == "urgent"
    assert demand.phone_masked == "137****5678" and demand.contact_name == "王 小明"
    assert "查询码" in response.json()[0]["service_notice"]

    got = valid("requests", client.get(url("request", "json", ref=ref)).json())
    assert got[0]["service_request_id"] == ref and got[0]["status"] == "open"
    assert got[0]["service_code"] == "sanitation"
    assert got[0]["description"] == "" and got[0]["address"] == grid.name and got[0]["lat"] is None
    assert "13712345678" not in client.get(url("request", "json", ref=ref)).content.decode()
    root = xml_root(client.get(url("request", "xml", ref=ref)))
    assert root.tag == "service_requests"
    agree(root.find("request"), got[0])

    listed = valid("requests", client.get(url("requests", "json"), {"service_request_id": ref}).json())
    assert listed == got


def test_an_api_key_sees_descriptions_in_its_scope_and_enters_as_its_user(client, world):
    _, key = do_create_token(world.grid_leader, "app")
    response = client.post(url("requests", "xml"), {
        "api_key": key, "service_code": "noise", "description": "夜里施工", "address_string": "幸福路 9 号",
        "attribute[grid]": str(world.tree.grids[0].pk),
    })
    assert response.status_code == 201
    ref = xml_root(response).findtext("request/service_request_id")
    assert Demand.objects.get(ref=ref).created_by == world.grid_leader
    full = valid("requests", client.get(url("request", "json", ref=ref), {"api_key": key}).json())[0]
    assert full["description"] == "夜里施工" and full["address"] == "幸福路 9 号"
    refused = client.post(url("requests", "json"), {
        "api_key": key, "service_code": "noise", "description": "x", "address_string": "y",
        "attribute[grid]": str(world.tree.grids[4].pk),
    })
    assert refused.status_code == 403 and valid("errors", refused.json())


def test_get_requests_filters_by_code_status_and_dates(client, world):
    world.submit(category="noise")
    world.submit(category="sanitation")
    window = {"start_date": "2018-03-01T00:00:00+08:00", "end_date": "2018-03-31T00:00:00+08:00"}
    both = valid("requests", client.get(url("requests", "json"), window).json())
    assert len(both) == 2
    noise = client.get(url("requests", "json"), {**window, "service_code": "noise"}).json()
    assert [r["service_code"] for r in noise] == ["noise"]
    assert client.get(url("requests", "json"), {**window, "status": "closed"}).json() == []
    assert client.get(url("requests", "json")).json() == []  # default window: the last 90 days
    root = xml_root(client.get(url("requests", "xml"), window))
    for element, item in zip(root.findall("request"), both, strict=True):
        agree(element, item)


@pytest.mark.parametrize("fields,code,words", [
    ({"description": "x", "address_string": "y"}, 400, "service_code"),
    ({"service_code": "nope", "description": "x", "address_string": "y"}, 404, "nope"),
    ({"service_code": "noise", "description": "x"}, 400, "位置"),
    ({"service_code": "noise", "address_string": "y", "attribute[grid]": "GRID"}, 400, "description"),
    ({"service_code": "noise", "description": "x", "address_string": "y", "attribute[grid]": "999999"}, 400, "网格"),
    ({"service_code": "noise", "description": "x", "address_string": "y", "api_key": "zh_bad"}, 403, "api_key"),
])
def test_errors_come_in_the_standards_format_in_json_and_xml(client, world, fields, code, words):
    response = client.post(url("requests", "json"), fields)
    assert response.status_code == code
    error = valid("errors", response.json())[0]
    assert error["code"] == code and words in error["description"]
    response = client.post(url("requests", "xml"), fields)
    root = xml_root(response)
    assert root.tag == "errors" and root.findtext("error/code") == str(code)
    assert root.findtext("error/description") == error["description"]
    assert not Demand.objects.exists()


def test_anonymous_posts_are_throttled_per_client(client, world, settings):
    settings.DEMAND_PUBLIC_PER_HOUR = 2
    fields = {"service_code": "noise", "description": "x", "address_string": "y",
              "attribute[grid]": str(world.tree.grids[0].pk)}
    assert [client.post(url("requests", "json"), fields).status_code for _ in range(3)] == [201, 201, 400]
    assert Demand.objects.count() == 2


def test_the_grid_is_found_from_the_address_when_not_given(client, world):
    grid = world.tree.grids[1]
    response = client.post(url("requests", "json"), {
        "service_code": "noise", "description": "x", "address_string": f"{grid.name} 5 号楼"})
    assert response.status_code == 201, response.content
    assert Demand.objects.get(ref=response.json()[0]["service_request_id"]).grid == grid
