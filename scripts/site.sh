# Sourced: the environment under which ./target/release/pec-manager serves what
# scripts/build.sh built (hashed file names listed in target/release/hash.txt).
export LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=pec-manager LEPTOS_ENV=PROD LEPTOS_HASH_FILES=true
