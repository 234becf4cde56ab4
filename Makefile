# OneStop: `make run` runs the whole system, `make test` runs every test. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
BENCH_STAMP := $(VENV)/.bench-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: install rabbitmq db chromium fonts services run test test-days test-unit test-integration lint deploy-files deploy-check bench profile stop clean
# the days the date-sensitive tests also run at: the coming New Year's Eve, the first working day of the
# year after (no holiday notice yet: provisional), and a day about four years on, past every shipped figure
# and notice. Picked from the real day (tests/support/days.py), always a week or more ahead of it: the
# database's TTL indexes expire sessions by the real time, so a pinned day in the past loses logins at
# random. The unit and operator tests run at all of them; the integration tests (real broker and database,
# ~1 min a day) at PINNED_DAYS_INTEGRATION, which `make test-days PINNED_DAYS_INTEGRATION="$(PINNED_DAYS)"`
# widens. (Recursive variables: evaluated in the recipes, once the virtualenv exists.)
PINNED_DAYS ?= $(shell $(BIN)/python -m tests.support.days)
PINNED_DAYS_INTEGRATION ?= $(shell $(BIN)/python -m tests.support.days --integration)

$(STAMP): pyproject.toml
	@rm -f $(VENV)/.installed-*
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

install: $(STAMP)

rabbitmq:
	@scripts/ensure-rabbitmq.sh

db:
	@scripts/ensure-db.sh

chromium:
	@scripts/ensure-apt.sh chromium:/usr/bin/chromium libzbar0:/usr/lib/x86_64-linux-gnu/libzbar.so.0 poppler-utils:/usr/bin/pdftoppm

## Debian packages the services need at run time: a CJK font for seal images (WenQuanYi Zen Hei) and
## the 宋体-like serif every PDF embeds (AR PL UMing: TrueType outlines, which reportlab can subset)
fonts:
	@scripts/ensure-apt.sh fonts-wqy-zenhei:/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc \
	  fonts-arphic-uming:/usr/share/fonts/truetype/arphic/uming.ttc

services: install rabbitmq db fonts

## run every bureau service and the gateway as separate processes; Ctrl-C stops them all
run: services
	$(BIN)/python -m kit.launcher run

## the whole suite: lint, unit, integration, end-to-end, browser, static checks, and the date-sensitive
## tests again at PINNED_DAYS; scripts/run-tests.sh runs the pytest runs side by side (why: see there)
test: services chromium
	$(BIN)/ruff check .
	PINNED_DAYS="$(PINNED_DAYS)" PINNED_DAYS_INTEGRATION="$(PINNED_DAYS_INTEGRATION)" BIN=$(BIN) \
	  scripts/run-tests.sh $(PYTEST_ARGS)

## the date-sensitive tests alone, with every process's clock pinned at each of PINNED_DAYS
test-days: services
	@for day in $(PINNED_DAYS); do echo "== date-sensitive unit tests with the clock at $$day"; \
	  ONESTOP_CLOCK_START=$$day $(BIN)/pytest -m dates -q -p no:cacheprovider tests/unit tests/ops $(PYTEST_ARGS) || exit 1; done
	@for day in $(PINNED_DAYS_INTEGRATION); do echo "== date-sensitive integration tests with the clock at $$day"; \
	  ONESTOP_CLOCK_START=$$day $(BIN)/pytest -m dates -q -p no:cacheprovider tests/integration $(PYTEST_ARGS) || exit 1; done

test-unit: install
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

test-integration: services
	$(BIN)/pytest tests/integration $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

## the deployment files' bureau parts (compose, deploy/k8s, .env.example, docs/operations.md lists), rewritten
## from contracts/bureaus.py and the bureaus' config.yml (deploy/generate.py); deploy-check changes nothing
## and fails naming the files out of date (tests/static checks the same in `make test`)
deploy-files: install
	$(BIN)/python -m deploy.generate

deploy-check: install
	$(BIN)/python -m deploy.generate --check

## the bench extra (py-spy for `python -m bench.profile`) on top of what the tests install
$(BENCH_STAMP): $(STAMP)
	@rm -f $(VENV)/.bench-*
	$(BIN)/pip install -q -e '.[bench]'
	@touch $@

bench: services $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

## py-spy on every process under load (bench/profile.py), e.g. PROFILE_ARGS="--n 60 --rate 5"
profile: services $(BENCH_STAMP)
	$(BIN)/python -m bench.profile $(PROFILE_ARGS)

## stop the background servers started by `make run`/`make test` (RabbitMQ, the embedded database)
stop:
	-@rabbitmqctl stop >/dev/null 2>&1 && echo "rabbitmq stopped"
	-@test -f var/db.pid && kill $$(cat var/db.pid) && rm -f var/db.pid && echo "database stopped"

clean: stop
	rm -rf $(VENV) var
