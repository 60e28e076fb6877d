#!/usr/bin/env bash
# CI: TensorBoard's own event reader (the Python `tensorboard` package) in a virtualenv, so that
# test/e2e/tensorboard.test.ts reads the event files a run writes into <run>/tb/ exactly as TensorBoard does.
#   FACEGAN_TB_VENV     virtualenv folder (default .venv-tb, git-ignored)
#   FACEGAN_PIP_INDEX   pip index options (default: the machine's local index)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${FACEGAN_TB_VENV:-.venv-tb}"
PIP_INDEX="${FACEGAN_PIP_INDEX:---index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple}"

echo "== tensorboard: event reader in $VENV"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# shellcheck disable=SC2086  # PIP_INDEX is a list of options
"$VENV/bin/pip" install -q --disable-pip-version-check $PIP_INDEX tensorboard
"$VENV/bin/python" -c 'import tensorboard; from tensorboard.backend.event_processing.event_accumulator import EventAccumulator; print("tensorboard", tensorboard.__version__)'
