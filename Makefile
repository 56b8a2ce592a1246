# The two commands of the README.
.PHONY: run test setup bench build

run:    ## build and serve the app at http://127.0.0.1:3000 (SQLite, demo data)
	bash scripts/run.sh

test:   ## every test: unit, integration (SQLite + PostgreSQL), Playwright (JS and no-JS)
	bash scripts/test.sh

build:  ## the release artifacts that `make run` and the tests serve (target/release, target/site)
	bash scripts/build.sh

setup:  ## only install what is missing
	bash scripts/setup.sh test

bench:  ## benchmarks (CSV native and in the browser's WASM, 10,000-mailbox order); see README
	bash scripts/bench.sh
