"""Importing the rosters clerks actually have (issue 15): real 花名册 layouts, synonyms, preview,
normalisation, update mode, and the platform's own export coming back in.

Every roster here is built in code with openpyxl, shaped like the file that showed the finding.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.test import Client

from tests.factories import Tree, make_person, user_with_post
from zongheng.core import crypto
from zongheng.core.errors import ActionError
from zongheng.core.masking import id_check_char
from zongheng.core.permissions import Role
from zongheng.orgs.models import Person

_ids = itertools.count(1)


def new_id(birth: dt.date | None = None, male: bool | None = None) -> str:
    """A valid ID number no factory person has; the 17th digit odd for a man."""
    n = next(_ids)
    birth = birth or dt.date(1985, 1, 1) + dt.timedelta(days=n // 400)
    seq = 500 + n % 400
    if male is not None and (seq % 2 == 1) != male:
        seq += 1
    first17 = f"340802{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dept(tree: Tree) -> Any:
    return user_with_post(tree.district, Role.ORG_DEPT)


# ---------------------------------------------------------------- 1. one ID number, however written


def test_a_full_width_id_ending_in_x_is_the_same_person_as_its_ascii_and_lowercase_forms(tree):
    number = next(n for n in iter(lambda: new_id(), None) if n.endswith("X"))
    make_person(tree.grids[0], id_number=number)

    for written in (full_width(number), number.lower(), full_width(number.lower()), f"{number[:6]} {number[6:]}"):
        assert crypto.blind_index(written) == crypto.blind_index(number)
        with pytest.raises(ActionError, match="已有相同身份证号码的人员"):
            make_person(tree.grids[1], id_number=written)
    assert Person.objects.filter(id_hash=crypto.blind_index(number)).count() == 1


def test_a_full_width_id_is_valid_and_stored_in_ascii(tree):
    number = new_id()
    person = make_person(tree.grids[0], id_number=full_width(number))

    assert crypto.decrypt(person.id_enc) == number
    assert person.id_masked == number[:6] + "*" * 10 + number[-2:]


def _old_style_duplicate(tree: Tree, number: str) -> Person:
    """A second person with the same number in full width, as the old index let in."""
    written = full_width(number)
    return Person.objects.create(
        name="旧重复", gender="M", org=tree.grids[1], org_path=tree.grids[1].path,
        id_enc=crypto.encrypt(written), id_masked=written[:6] + "*" * 10 + written[-2:],
        id_hash="0" * 64,  # the old index of the full-width text: anything but the ASCII one
    )


def test_the_duplicates_command_finds_people_sharing_an_id_number_however_written(tree, capsys):
    number = new_id()
    first = make_person(tree.grids[0], id_number=number)
    second = _old_style_duplicate(tree, number)

    with pytest.raises(SystemExit) as exit_:
        call_command("find_duplicate_ids")

    out = capsys.readouterr().out
    assert exit_.value.code == 1
    assert f"人员 {first.pk} " in out and f"人员 {second.pk} " in out and "共 1 组" in out
    assert number not in out and full_width(number) not in out  # masked only


def test_the_migration_recomputes_indexes_in_ascii_and_leaves_duplicates_for_the_report(tree):
    number, other = new_id(), new_id()
    kept = make_person(tree.grids[0], id_number=number)
    duplicate = _old_style_duplicate(tree, number)
    lone = Person.objects.create(name="全角", gender="F", org=tree.grids[2], org_path=tree.grids[2].path,
                                 id_enc=crypto.encrypt(full_width(other.lower())), id_hash="1" * 64)
    migration = importlib.import_module("zongheng.orgs.migrations.0005_normalise_ids_and_org_codes")

    migration.forwards(django_apps, None)

    kept.refresh_from_db(), duplicate.refresh_from_db(), lone.refresh_from_db()
    assert kept.id_hash == crypto.blind_index(number) and duplicate.id_hash is None
    assert crypto.decrypt(lone.id_enc) == other and lone.id_hash == crypto.blind_index(other)
    from zongheng.orgs.management.commands.find_duplicate_ids import find_duplicate_ids

    assert [[p["pk"] for p in group] for group in find_duplicate_ids()] == [[kept.pk, duplicate.pk]]
