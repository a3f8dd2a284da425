"""The checked-in schemas/ folder is exactly what `annotator schema` writes now."""

from __future__ import annotations

from annotator.cli.schema_cmd import json_schemas, render_schema
from conftest import REPO_ROOT


def test_checked_in_schemas_are_current():
    folder = REPO_ROOT / "schemas"
    stale = []
    for name, schema in json_schemas().items():
        path = folder / f"{name}.schema.json"
        if not path.exists() or path.read_bytes() != render_schema(schema):
            stale.append(path.name)
    assert not stale, f"schemas/ is stale ({', '.join(stale)}): run `annotator schema -o schemas`"


def test_schema_command_writes_the_same_files(cli, tmp_path):
    result = cli("schema", "-o", tmp_path)
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == sorted(f"{name}.schema.json" for name in json_schemas())
    for name in written:
        assert (tmp_path / name).read_bytes() == (REPO_ROOT / "schemas" / name).read_bytes()
