"""``annotator schema -o DIR``: write one JSON Schema file per data model."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer
from pydantic import BaseModel

from annotator.cli.app import app
from annotator.cli.report import echo
from annotator.errors import AnnotatorError
from annotator.fileio import atomic_writer
from annotator.schema import SCHEMA_MODELS


def json_schemas() -> dict[str, dict]:
    """One JSON Schema per model, keyed by file stem (export line formats included).

    Here, not in schema.py: the export models build on the schema's models, so the
    schema module importing them made the package's one import cycle."""
    from annotator.formats.training_jsonl import EXPORT_SCHEMA_MODELS

    schemas = {}
    models: dict[str, type[BaseModel]] = {**SCHEMA_MODELS, **EXPORT_SCHEMA_MODELS}
    for name, model in models.items():
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schemas[name] = schema
    return schemas


def render_schema(schema: dict) -> bytes:
    return orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


@app.command("schema")
def schema_command(
    out: Path = typer.Option(Path("schemas"), "-o", "--out", help="Folder to write *.schema.json into."),
) -> None:
    """Write the JSON Schema of each data model (document, span, attribution, annotation record)."""
    if out.exists() and not out.is_dir():
        raise AnnotatorError("is not a folder", out)
    out.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        target = out / f"{name}.schema.json"
        with atomic_writer(target, "wb") as stream:
            stream.write(render_schema(schema))
        echo(str(target))
