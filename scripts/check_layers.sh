#!/usr/bin/env bash
# No import circles between the modules of any crate (between crates Cargo already forbids them).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/check_layers.py src crates/domain/src crates/store/src crates/signature/src
