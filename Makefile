# xinyidai: `make demo` to try it, `make test` to check it. Needs only Python >= 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := $(CURDIR)/var/demo.db
# The demo database's audit checkpoints: made afresh with it (checkpoints of a database since deleted would make
# `xinyidai audit verify` report the new chain as rewritten).
DEMO_ANCHOR := $(CURDIR)/var/demo-audit-anchor.jsonl
DEMO_ENV = XINYIDAI_DATABASE_URL=sqlite:///$(DEMO_DB) XINYIDAI_AUDIT_ANCHOR_PATH=$(DEMO_ANCHOR)
DEMO_ENTERPRISES ?= 1000
DEMO_SEED ?= 2026
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install fonts demo demo-data serve test lint typecheck test-sqlite test-postgres fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) fonts

# Credit reports (PDF) embed a Chinese font: Debian's fonts-noto-cjk. Installed here when missing and we may
# (root with apt-get); otherwise say how, and the report download says the same until it is there.
NOTO_CJK := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
fonts:
	@if [ -f "$(NOTO_CJK)" ] || [ -n "$${XINYIDAI_REPORT_FONT:-}" ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "== installing Debian's fonts-noto-cjk (Chinese font embedded in credit reports)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	else \
	  echo "!! 未找到中文字体：信用报告 PDF 需要 fonts-noto-cjk（sudo apt-get install fonts-noto-cjk），或设置 XINYIDAI_REPORT_FONT 指向中文字体文件" >&2; \
	fi

demo: demo-data
	XINYIDAI_API_SANDBOX=true $(DEMO_ENV) $(BIN)/xinyidai serve --host 127.0.0.1 --port 8000

# Everything `make demo` does before serving (CI runs it to keep the README's first command true).
demo-data: install
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_ANCHOR)
	$(DEMO_ENV) $(BIN)/xinyidai db upgrade
	@# Warnings only while generating: the district's texts and jobs would otherwise bury the demo logins in log lines.
	XINYIDAI_LOG_LEVEL=WARNING $(DEMO_ENV) $(BIN)/xinyidai demo generate --enterprises $(DEMO_ENTERPRISES) --seed $(DEMO_SEED)

serve: install
	XINYIDAI_API_SANDBOX=true $(DEMO_ENV) $(BIN)/xinyidai serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy src bench

test-sqlite: install
	$(BIN)/pytest -q -n 2 tests

# PostgreSQL runs when XINYIDAI_TEST_DATABASE_URL is set or the local server answers;
# with XINYIDAI_REQUIRE_POSTGRES=1 (CI) an unreachable server fails the run.
test-postgres: install
	@url="$${XINYIDAI_TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=test', connect_timeout=3).close()" 2>/dev/null; then \
	  url="$(PG_TEST_URL)"; fi; \
	if [ -n "$$url" ]; then \
	  echo "== PostgreSQL run against $${url##*@}"; \
	  XINYIDAI_TEST_DATABASE_URL="$$url" $(BIN)/pytest -q -n 2 tests/integration tests/e2e; \
	elif [ "$${XINYIDAI_REQUIRE_POSTGRES:-0}" = "1" ]; then \
	  echo "PostgreSQL is required (XINYIDAI_REQUIRE_POSTGRES=1) but 127.0.0.1:5432 does not answer" >&2; exit 1; \
	else echo "== PostgreSQL not reachable at 127.0.0.1:5432: PostgreSQL run skipped"; fi

test: lint typecheck test-sqlite test-postgres

# The API fuzz runs in `make test` with a few generated examples per operation and caller; this is the thorough one.
FUZZ_EXAMPLES ?= 50
fuzz: install
	XINYIDAI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) XINYIDAI_FUZZ_PAGES=1 $(BIN)/pytest -q -n 2 tests/integration/foundation/test_fuzz.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
