# cecert — `make run` for a working demo, `make test` for the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
VENDOR := src/cecert/static/vendor
PYTEST_ARGS ?=

.PHONY: run test test-browser test-deploy lint typecheck audit lock system-deps system-deps-run system-deps-test assets install clean

# Exactly the locked releases (hash-checked, pip itself included), then the project without its
# dependencies; `pip check` stops here when the lock no longer satisfies pyproject.toml.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	@$(BIN)/pip check >/dev/null || { $(BIN)/pip check; echo "$(LOCK) does not satisfy pyproject.toml: run 'make lock'"; exit 1; }
	touch $(STAMP)

install: system-deps-run $(STAMP) assets

# After changing dependencies in pyproject.toml: pins that still fit are kept, new ones resolved to
# the newest release within the bounds. `make lock UPGRADE=1` moves every pin to the newest.
# Universal (any platform, Python >= 3.11), hashes for every file, resolved against PyPI.
lock:
	@test -x $(BIN)/uv || { echo "uv (a dev dependency) is missing: make install"; exit 1; }
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --quiet \
	  $(if $(UPGRADE),--upgrade) -o $(LOCK)

# Known vulnerabilities in the locked releases (pip-audit); says so plainly when it cannot reach its service.
audit: $(STAMP)
	$(BIN)/python .ci/audit.py $(LOCK)

# Debian packages (scripts/system-deps.sh): running needs only the CJK TrueType font certificates are
# drawn with; the tests also need Chromium, poppler (PDF checks) and nginx. Installed when missing and
# we are root; otherwise, or when apt-get is busy or fails, it names the packages to install by hand.
system-deps-run:
	@PYTHON=$(PYTHON) sh scripts/system-deps.sh run

system-deps-test:
	@PYTHON=$(PYTHON) sh scripts/system-deps.sh test

system-deps: system-deps-test

$(VENDOR)/htmx.js: package.json
	npm install --no-audit --no-fund --silent
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.js $(VENDOR)/htmx.js
	cp node_modules/echarts/dist/echarts.js $(VENDOR)/echarts.js
	cp node_modules/echarts/dist/echarts.js.map $(VENDOR)/echarts.js.map  # collectstatic's hashed names follow the map
	cp node_modules/jsqr/dist/jsQR.js $(VENDOR)/jsqr.js

assets: $(VENDOR)/htmx.js

run: install
	$(BIN)/cecert migrate --noinput
	$(BIN)/cecert demo
	@# The task worker (batch issuance, imports) runs beside the server and stops with it.
	trap 'kill 0' EXIT; $(BIN)/cecert db_worker & $(BIN)/cecert runserver 127.0.0.1:8000

test: install system-deps-test
	$(BIN)/pytest -m "not browser and not deploy" $(PYTEST_ARGS)

test-browser: install system-deps-test
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# nginx (TLS) in front of two gunicorn instances; needs DATABASE_URL=postgres://…
test-deploy: install system-deps-test
	$(BIN)/pytest -m deploy $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
