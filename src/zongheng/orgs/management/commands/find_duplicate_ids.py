"""``manage.py find_duplicate_ids``: people who share an ID number, however it was written.

Decrypts every stored ID number, puts it in its one written form (NFKC, no spaces, upper
case) and lists each number held by more than one person — by person id, name, organisation
and masked number, never in clear. Exit status 1 when any is found (usable in a cron check).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zongheng.core import crypto
from zongheng.core.masking import mask_id_number, normalize_id_number
from zongheng.orgs.models import Person


def find_duplicate_ids() -> list[list[dict[str, Any]]]:
    """Groups of people sharing one normalised ID number (each group: 2 or more people, by id)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = Person.objects.exclude(id_enc="").order_by("pk").values_list("pk", "name", "org__name", "id_enc", "id_hash")
    for pk, name, org, token, index in rows.iterator(chunk_size=2000):
        try:
            number = normalize_id_number(crypto.decrypt(token))
        except Exception:  # noqa: S112 - unreadable with this key: not comparable
            continue
        groups[number].append({"pk": pk, "name": name, "org": org, "masked": mask_id_number(number),
                               "indexed": index == crypto.blind_index(number)})
    return [people for people in groups.values() if len(people) > 1]


class Command(BaseCommand):
    help = "查找身份证号码相同的人员（全角、小写、空格等写法视为同一号码），只显示脱敏号码。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="只输出组数")

    def handle(self, *args: Any, **options: Any) -> None:
        groups = find_duplicate_ids()
        if not options["quiet"]:
            for people in groups:
                self.stdout.write(f"身份证号码 {people[0]['masked']}：{len(people)} 人")
                for p in people:
                    note = "" if p["indexed"] else "（未建索引）"
                    self.stdout.write(f"  人员 {p['pk']} {p['name']}（{p['org']}）{note}")
        self.stdout.write(f"共 {len(groups)} 组重复的身份证号码" if groups else "没有重复的身份证号码")
        if groups:
            raise SystemExit(1)
