# The two commands of the README: `make demo` and `make test`. Each creates or updates the
# virtual environment in .venv first, so both work on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint venv services-up services-down clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: $(STAMP)
	$(BIN)/mentoring demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Starts a throw-away PostgreSQL and Kafka (deploy/local/up) and, meanwhile, a Keycloak for the
# sign-in tests (deploy/local/keycloak up), runs every test against them and the embedded
# store, and stops them again, also when a test fails.
# The suite waits on services more than it computes, so it runs in TEST_WORKERS processes
# (pytest-xdist); each test file stays in one process, so a module's services start once.
TEST_WORKERS ?= 2
test: lint
	@tests/browser/ensure-chromium  # Debian's Chromium for tests/browser, installed if missing
	@trap 'deploy/local/down; deploy/local/keycloak down' EXIT; \
	keycloak_exports=$$(mktemp); deploy/local/keycloak up >"$$keycloak_exports" & keycloak=$$!; \
	exports="$$(deploy/local/up)" || exit 1; eval "$$exports"; \
	wait $$keycloak || exit 1; eval "$$(cat "$$keycloak_exports")"; rm -f "$$keycloak_exports"; \
	MENTORING_TEST_DATABASE_URL="$$MENTORING_DATABASE_URL" \
	MENTORING_TEST_KAFKA_BOOTSTRAP_SERVERS="$$MENTORING_KAFKA_BOOTSTRAP_SERVERS" \
	MENTORING_TEST_KEYCLOAK_URL="$$MENTORING_KEYCLOAK_URL" \
	env -u MENTORING_DATABASE_URL -u MENTORING_KAFKA_BOOTSTRAP_SERVERS -u MENTORING_KEYCLOAK_URL \
	$(BIN)/pytest --numprocesses $(TEST_WORKERS) --dist loadfile

services-up:
	@deploy/local/up

services-down:
	@deploy/local/down; deploy/local/keycloak down

clean:
	rm -rf $(VENV) .mentoring .pytest_cache .mypy_cache .ruff_cache .hypothesis
