"""Each fact is declared once: a detail-type is written only in the events table
(shop_common/contracts.py), a route's path and the admin group's name only in
the route table (shop_common/routes.py). Everything else refers to them."""

import ast
from pathlib import Path

import pytest

from shop_common.contracts import DetailType
from shop_common.routes import ADMIN_GROUP, ROUTES
from tests import ROOT

SOURCES = ["__main__.py", "components", "functions", "localcloud", "workflows", "scripts"]
DECLARED_IN = {
    **{detail_type.value: "functions/shop_common/contracts.py" for detail_type in DetailType},
    **{route.path: "functions/shop_common/routes.py" for route in ROUTES},
    **{route.key: "functions/shop_common/routes.py" for route in ROUTES},
    ADMIN_GROUP: "functions/shop_common/routes.py",
}


def python_files() -> list[Path]:
    files = []
    for source in SOURCES:
        path = ROOT / source
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_scan_sees_the_declarations_themselves():
    found = {
        value
        for path in python_files()
        if path.relative_to(ROOT).as_posix() in set(DECLARED_IN.values())
        for _, value in literals(path)
    }
    assert {"CheckoutBasket", "/basket/checkout", ADMIN_GROUP} <= found


@pytest.mark.parametrize("path", python_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_declared_fact_is_written_again_outside_its_declaration(path):
    where = path.relative_to(ROOT).as_posix()
    repeated = [
        f"{where}:{line}: {value!r} (declared in {DECLARED_IN[value]})"
        for line, value in literals(path)
        if value in DECLARED_IN and DECLARED_IN[value] != where
    ]
    assert repeated == []
