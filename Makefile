# make serve: install, build, serve on http://127.0.0.1:8000
# make test:  install (with Debian's chromium), build, run every test (two workers: pytest-xdist)
# make build: install and build into public/
# make bench: the page's performance benchmark (make bench NETWORK=school: a gzip host at
#             10 Mbit/s, 40 ms; CPU=4: Chromium's CPU throttled 4x, a low-end laptop); make bench-training: Train's delivered speed and frame
#             time (issue 16; AGAINST=<git ref> measures that commit in the same runs);
#             make bench-engine: the engine's (see README)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
NETWORK ?= local
CPU ?= 1

.PHONY: all install build serve test bench bench-training bench-engine sizes chromium clean

all: build

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "python3 is missing: install Python 3.11 or newer (apt-get install python3 python3-venv)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install python3-venv (apt-get install python3-venv)"; exit 1; }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer with npm (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed

build: install
	$(PY) -m mkdocs build --quiet
	@echo "Built the site into public/"

serve: build
	@echo ""
	@echo "  Lesson:      http://127.0.0.1:$(PORT)/sim/index.html"
	@echo "  Simulation:  http://127.0.0.1:$(PORT)/sim/main.html"
	@echo "  Offline, by file://:  $(CURDIR)/public/sim/main.html  (lesson: $(CURDIR)/public/index.html)"
	@echo ""
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory public

chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "Debian's chromium is missing: run 'sudo apt-get install -y chromium'"; exit 1; fi; \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# two workers, a test file each (pytest-xdist): 15 min here against 23.5 min serially (CI, stop 32)
test: install chromium build
	$(PY) -m pytest -n 2 --dist loadfile

bench: install chromium build
	$(PY) tools/bench.py --runs 7 --network $(NETWORK) --cpu $(CPU)

# AGAINST=<git ref>: that commit built in .cache/bench/against/ and measured in turn with this one;
# ARGS="--only largest --speeds 60": some setups and speeds only
bench-training: install chromium build
ifdef AGAINST
	rm -rf .cache/bench/against && git worktree prune
	git worktree add --detach .cache/bench/against $(AGAINST)
	ln -s $(CURDIR)/node_modules .cache/bench/against/node_modules
	mkdir -p .cache/bench/against/.cache && ln -s $(CURDIR)/.cache/wheels .cache/bench/against/.cache/wheels
	cd .cache/bench/against && $(CURDIR)/$(PY) -m mkdocs build --quiet
	$(PY) tools/bench.py --runs 5 --training --against .cache/bench/against/public $(ARGS)
	git worktree remove --force .cache/bench/against
else
	$(PY) tools/bench.py --runs 5 --training $(ARGS)
endif

bench-engine: install
	$(PY) tools/bench_engine.py

# the package's shape: classes, functions and modules within their limits (issue 24)
sizes:
	python3 tools/sizes.py

clean:
	rm -rf public .pytest_cache
