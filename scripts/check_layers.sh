#!/usr/bin/env bash
# The layer check (scripts/check_layers.py): no import circles between the modules of any crate
# (between crates Cargo already forbids them), no import against the layers; its reader is
# checked on small examples first, so that a blind check cannot pass.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/check_layers.py --self-test
python3 scripts/check_layers.py src crates/domain/src crates/store/src crates/signature/src
