"""The audit row of a new demand names it by the number staff and residents see (not a temporary ref)."""

from zongheng.core.models import AuditLog


def test_the_receive_row_names_the_demand_by_its_mx_number(world):
    demand, code = world.submit()
    row = AuditLog.objects.get(action="demand.receive", object_id=str(demand.pk))
    assert demand.ref.startswith("MX2018") and row.object_repr.startswith(demand.ref)
    assert "tmp-" not in row.object_repr and code.replace("-", "")[:6] not in row.object_repr.replace("-", "")
    assert demand.events.get(action="receive").demand.ref == demand.ref
