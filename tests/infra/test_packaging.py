"""Function archives: only what the handler imports, small, deterministic, complete."""

import subprocess
import sys
import zipfile

import pytest

from components.packaging import archive_members, build_archive, handler_modules

MAX_ARCHIVE_BYTES = 100 * 1024


def test_an_archive_holds_its_service_and_the_shared_modules_it_imports():
    members = set(archive_members("products.api"))
    assert {
        "products/api.py",
        "products/service.py",
        "products/repository.py",
        "shop_common/routes.py",
        "shop_common/contracts.py",
        "shop_common/http.py",
        "shop_common/events.py",
    } <= members
    assert not any(m.startswith(("basket/", "ordering/", "openapi/")) for m in members)
    assert "shop_common/inbound.py" not in members  # only consumers read inbound events


def test_a_consumer_archive_leaves_out_the_http_layer():
    members = set(archive_members("ordering.consumer"))
    assert "ordering/consumer.py" in members
    assert "ordering/api.py" not in members
    assert "shop_common/http.py" not in members


def test_data_files_of_the_handlers_package_are_included():
    assert "openapi/openapi.json" in archive_members("openapi.api")


def test_archives_are_deterministic():
    first = build_archive("basket.api").read_bytes()
    assert build_archive("basket.api").read_bytes() == first


def test_every_function_of_the_program_is_a_discovered_handler(dev):
    deployed = {
        f.inputs["handler"].removesuffix(".lambda_handler")
        for f in dev.of_type("aws:lambda/function:Function")
    }
    assert deployed == set(handler_modules())


def test_an_unknown_handler_module_is_an_error():
    with pytest.raises(ValueError, match="not a module"):
        archive_members("nowhere.api")


@pytest.mark.parametrize("handler", handler_modules())
def test_every_archive_is_small_and_imports_on_its_own(handler, tmp_path):
    archive = build_archive(handler)
    assert archive.stat().st_size < MAX_ARCHIVE_BYTES
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(tmp_path)
    # As Lambda does: the archive root is the code; third-party code is the runtime's
    # (boto3) and the layer's (Powertools), here the virtualenv's site-packages.
    result = subprocess.run(
        [sys.executable, "-c", f"import {handler} as h; assert callable(h.lambda_handler)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "", "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_METRICS_NAMESPACE": "t"},
    )
    assert result.returncode == 0, result.stderr
