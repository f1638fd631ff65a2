# cecert — `make run` for a working demo, `make test` for the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
VENDOR := src/cecert/static/vendor
PYTEST_ARGS ?=

.PHONY: run test test-browser test-deploy lint typecheck system-deps assets install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: system-deps $(STAMP) assets

# The CJK TrueType font (certificates), Chromium (browser tests) and poppler (PDF checks)
# come from Debian's packages; installed when missing and we are root.
system-deps:
	@missing=""; \
	fc-list 2>/dev/null | grep -qi 'wqy-microhei\|lxgw' || [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	command -v pdfsig >/dev/null || missing="$$missing poppler-utils"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install:$$missing (sudo apt-get install$$missing)"; exit 1; fi; \
	fi

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

test: install
	$(BIN)/pytest -m "not browser and not deploy" $(PYTEST_ARGS)

test-browser: install
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# nginx (TLS) in front of two gunicorn instances; needs DATABASE_URL=postgres://…
test-deploy: install
	$(BIN)/pytest -m deploy $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
