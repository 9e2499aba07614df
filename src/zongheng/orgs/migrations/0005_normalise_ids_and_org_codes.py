"""ID numbers in one written form (NFKC, upper case) and a code for every organisation.

The blind index used to hash the text as typed (upper-cased): a full-width ID number hashed
differently from the same number in ASCII, so the unique index let a second person in. This
recomputes every index from the normalised number (re-encrypting and re-masking the stored
copy in that form). Where two people turn out to share a number, the lowest id keeps the
index and the others keep their old one, so the migration never fails; they are printed
here and reported by ``manage.py find_duplicate_ids`` for a person to merge.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from zongheng.core import crypto
    from zongheng.core.masking import mask_id_number, normalize_id_number
    from zongheng.orgs.models import fill_missing_codes

    Person = apps.get_model("orgs", "Person")
    Org = apps.get_model("orgs", "Org")
    groups: dict[str, list[tuple[int, str, str | None]]] = {}
    for pk, token, old in Person.objects.exclude(id_enc="").order_by("pk").values_list("pk", "id_enc", "id_hash"):
        try:
            number = normalize_id_number(crypto.decrypt(token))
        except Exception:  # noqa: BLE001, S112 - a row this key cannot read is left as it is
            continue
        groups.setdefault(crypto.blind_index(number) or "", []).append((pk, number, old))
    keepers: list[tuple[int, str, str]] = []
    for index, people in groups.items():
        keeper = next((p for p in people if p[2] == index), people[0])
        keepers.append((keeper[0], keeper[1], index))
        others = [p[0] for p in people if p is not keeper]
        if others:
            # Duplicates give up the index first, so no keeper's new index collides with an old one.
            Person.objects.filter(pk__in=others).update(id_hash=None)
            print(f"  重复的身份证号码：人员 {keeper[0]} 与人员 {others}（请用 manage.py find_duplicate_ids 查看并合并）")
    for pk, number, index in keepers:
        Person.objects.filter(pk=pk).update(
            id_enc=crypto.encrypt(number), id_masked=mask_id_number(number), id_hash=index)
    fill_missing_codes(Org)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0004_roster_fields")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
