# Bluewatch: `make run` serves the sample scenario, `make test` runs every test,
# `make check` runs every check (lint, format, types, tests).
.PHONY: run test lint check bootstrap

bootstrap:
	./scripts/bootstrap

run: bootstrap
	.venv/bin/bluewatch serve

test: bootstrap
	.venv/bin/pytest

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

check: lint test
