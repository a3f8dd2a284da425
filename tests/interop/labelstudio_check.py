"""Run under the interop venv (.ci/interop.sh): Label Studio's SDK checks an exported task
file and labeling config as the server does.

Usage: python labelstudio_check.py TASKS.json CONFIG.xml
- the labeling config through ``LabelInterface(...).validate()`` (the server's config check);
- each task's data against the config's object tags (``validate_task`` without its
  annotations, whose check in that method is broken in this SDK version);
- each annotation through ``validate_prediction(..., return_errors=True)``, the region and
  relation checks the server runs on imported results.
Prints {"config_errors": [...], "task_errors": [...], "annotation_errors": [...], "checked": N}.
"""

from __future__ import annotations

import json
import sys

from label_studio_sdk.label_interface import LabelInterface


def main() -> None:
    tasks = json.load(open(sys.argv[1], encoding="utf-8"))
    config = open(sys.argv[2], encoding="utf-8").read()
    interface = LabelInterface(config)
    config_errors = []
    try:
        interface.validate()
    except Exception as error:  # the SDK raises its own validation errors
        config_errors.append(f"{type(error).__name__}: {error}")
    task_errors, annotation_errors, checked = [], [], 0
    for number, task in enumerate(tasks, start=1):
        if not interface.validate_task({"data": task["data"]}):
            task_errors.append(f"task {number}: data does not fit the config")
        for annotation in task.get("annotations", []):
            checked += 1
            for error in interface.validate_prediction(annotation, return_errors=True):
                annotation_errors.append(f"task {number}: {error}")
    print(json.dumps({"config_errors": config_errors, "task_errors": task_errors,
                      "annotation_errors": annotation_errors, "checked": checked}))


if __name__ == "__main__":
    main()
