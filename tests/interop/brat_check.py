"""Run under the interop venv (.ci/interop.sh): BRAT's own server code reads an exported
folder as the BRAT server does, and prints what it says as JSON.

Usage: python brat_check.py FOLDER [--save]
- the folder's annotation.conf through BRAT's project configuration reader;
- every NAME.ann beside NAME.txt through BRAT's annotation parser and its annotation
  checks (verify_annotation, what the server shows as errors on a document);
- with --save, each document is written back by BRAT (what its server does when a user
  opens and edits a document), so the caller can read BRAT's own output.
Prints {"messages": [[level, text], ...], "issues": {file: [issue, ...]}, "types": {...}}.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import brat

SOURCE = Path(brat.__path__[0]) / "server" / "src"
sys.path.insert(0, str(SOURCE))
# BRAT's modules import a site configuration; a minimal one for a local folder.
config = types.ModuleType("config")
config.DEBUG = False
config.BASE_DIR = config.DATA_DIR = config.WORK_DIR = str(Path(sys.argv[1]).resolve())
config.USER_PASSWORD = {}
sys.modules["config"] = config

import annotation  # noqa: E402
import projectconfig  # noqa: E402
from annotation import TextAnnotations  # noqa: E402
from realmessage import Messager  # noqa: E402
from verify_annotations import verify_annotation  # noqa: E402


def open_textfile(filename, mode="r"):
    # BRAT opens with mode "rU", which Python 3.11 removed (universal newlines are the
    # default): the same call without the "U". BRAT's parsing itself is unchanged.
    return open(filename, mode.replace("U", ""), encoding="utf-8", errors="strict")


annotation.open_textfile = projectconfig.open_textfile = open_textfile


def main() -> None:
    folder = Path(sys.argv[1]).resolve()
    save = "--save" in sys.argv[2:]
    configuration = projectconfig.ProjectConfiguration(str(folder))
    found = {
        "entities": configuration.get_entity_types(),
        "events": configuration.get_event_types(),
        "attributes": configuration.get_attribute_types(),
        "relations": configuration.get_relation_types(),
    }
    issues = {}
    for ann in sorted(folder.glob("*.ann")):
        document = str(ann.with_suffix(""))
        with TextAnnotations(document, read_only=not save) as annotations:
            issues[ann.name] = [str(issue) for issue in verify_annotation(annotations, configuration)]
    messages = [[level, text] for text, level, _ in Messager._Messager__pending_messages]
    print(json.dumps({"messages": messages, "issues": issues, "types": found}))


if __name__ == "__main__":
    main()
