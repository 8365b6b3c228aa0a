# `make demo` renders every bundled sample; `make test` runs the test suite.
# Both set everything up first (a virtual environment in .venv and Debian packages).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: setup system-deps js-tools demo lint test test-fast bench schemas templates docs clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

system-deps:
	bash scripts/install-system-deps.sh

demo: setup system-deps
	$(BIN)/python scripts/demo.py $(OUT)

js-tools:
	[ -x tools/axe/node_modules/.bin/axe ] || (cd tools/axe && CHROMEDRIVER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund --loglevel=error)

lint: setup
	$(BIN)/ruff check doctool tests scripts bench
	$(BIN)/mypy

# Both tiers: the fast stage tests first (they fail in seconds), then the integration suite.
test: setup system-deps js-tools lint
	$(BIN)/python -m pytest -q -m "not integration"
	$(BIN)/python -m pytest -q -m integration

# The fast tier: unit tests of each stage, no LibreOffice, Chromium or espeak (seconds).
test-fast: setup
	$(BIN)/python -m pytest -q -m "not integration"

bench: setup system-deps
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/queue_bench.py

schemas: setup
	$(BIN)/python -c "from doctool.schema import SCHEMAS, schema_text; [open(f'schemas/{n}.schema.json','w').write(schema_text(n)) for n in SCHEMAS]"

templates: setup
	$(BIN)/python scripts/build_docx_templates.py

docs: setup
	$(BIN)/doctool fields > docs/template-context.md
	sh scripts/gen_service_client.sh

clean:
	rm -rf $(OUT) .pytest_cache
