# Set-up and everyday commands. `make run` and `make test` are the whole set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The make targets are the development set-up: DEBUG is on unless the environment says otherwise.
export DEBUG ?= 1
MANAGE := $(BIN)/python manage.py

.PHONY: install assets messages migrate demo run test bench lint check clean

$(BIN)/.installed: requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

build/assets/.installed: package.json package-lock.json Makefile
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf build/assets && mkdir -p build/assets/vendor
	@# The source maps too: the files name them, and collectstatic's manifest refuses a missing one.
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* build/assets/vendor/
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js build/assets/vendor/
	mkdir -p build/assets/vendor/leaflet
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images build/assets/vendor/leaflet/
	mkdir -p build/assets/vendor/bootstrap-icons
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts build/assets/vendor/bootstrap-icons/
	touch $@

install: $(BIN)/.installed assets messages

assets: build/assets/.installed

messages: $(BIN)/.installed
	$(MANAGE) compile_translations

migrate: install
	$(MANAGE) migrate --no-input

demo: migrate
	$(MANAGE) seed_demo --if-empty

run: demo
	@echo "zhibu: http://127.0.0.1:$(PORT)/  (demo accounts: admin, city, industry, secretary, secretary2, cadre, courier, station; password: zhibu-demo-2024)"
	@# The job consumer (imports, exports, monthly snapshots) runs beside the web server and stops with it.
	$(MANAGE) run_huey --quiet & trap 'kill $$! 2>/dev/null' EXIT INT TERM; $(MANAGE) runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/ruff check .
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest

# Speed and memory, measured against the limits in BENCHMARKS.md (not part of `make test`).
bench: install
	@# wrk drives the 报到 API under load (Debian package wrk).
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk; else sudo apt-get install -y -qq wrk; fi; }
	$(BIN)/python bench/suite.py

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install
	$(MANAGE) check

clean:
	rm -rf $(VENV) build node_modules
