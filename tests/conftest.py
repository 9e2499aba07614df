from __future__ import annotations

import pytest

from tests.factories import Tree, build_tree


@pytest.fixture
def tree(db) -> Tree:  # type: ignore[no-untyped-def]
    return build_tree()
