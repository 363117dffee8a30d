# Bluewatch: `make run` serves the sample scenario, `make test` runs every test,
# `make check` runs every check (lint, format, types, tests).
.PHONY: run test lint check bootstrap frontend mutation

bootstrap:
	./scripts/bootstrap

frontend: bootstrap
	./scripts/build-frontend

run: frontend
	.venv/bin/bluewatch serve

test: frontend
	./scripts/bootstrap --browser
	npm --prefix frontend test --silent
	.venv/bin/pytest

lint: frontend
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	npm --prefix frontend run --silent typecheck
	./scripts/api-types --check

check: lint test

# Mutation testing of the pure modules (docs/testing.md); minutes, so not part of CI.
mutation: bootstrap
	./scripts/mutation
