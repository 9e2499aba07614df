"""The API contract is executable: schemathesis over /api/v1/openapi.json, in process.

Every operation is called with generated input (valid and invalid) by a district-level
cadre's token on a small tree; no answer may be a server error, and every answer's status
code, content type and body must be the ones the schema documents.

CI also runs the CLI against a live server (see docs / the API helper's report):
    schemathesis run http://127.0.0.1:8000/api/v1/openapi.json -H "Authorization: Bearer $TOKEN" \\
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \\
        --max-examples 20
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import build_tree, make_person, make_post, user_with_post
from zongheng.accounts.actions import do_create_token
from zongheng.core.permissions import Role

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_key(db: Any) -> str:
    """A district cadre's token on a small tree with a few people and posts."""
    tree = build_tree()
    for grid in tree.grids[:4]:
        person = make_person(grid)
        make_post(person, grid, Role.GRID_LEADER)
    make_person(tree.communities[3], registered_org=tree.grids[0])
    _, key = do_create_token(user_with_post(tree.district, Role.ORG_DEPT), "schemathesis")
    return key


@pytest.fixture
def wsgi_keeps_the_test_transaction() -> Iterator[None]:
    """The WSGI handler closes "old" connections after each request, which would drop the
    test transaction; Django's own test client disconnects the signal the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Hundreds of expected 4xx answers: keep django.request from logging a warning for each.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        request_log.setLevel(level)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Loaded at collection: fetching the schema touches no database. (schemathesis' lazy
# ``from_fixture`` loader does not work with pytest 9 yet.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_honours_its_schema(case: Any, api_key: str, wsgi_keeps_the_test_transaction: None) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
