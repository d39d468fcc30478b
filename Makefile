# backrelief: `make lab` to run the kit, `make test` to test it, `make app` for the patient's page.
# All create .venv when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: lab test app bench lint demo clean

# Jupyter refuses to run as root unless told; containers often are root. jupyter_setup turns the
# news pop-up off and keeps widget views out of saved notebooks (see its docstring). The file
# browser is rooted at the kit's folder (not notebooks/), so it reaches data/log/reports/.
lab: $(STAMP)
	@$(PY) -m backrelief_analysis.jupyter_setup
	@if [ -f notebooks/01_guided_session.ipynb ]; then target=notebooks/01_guided_session.ipynb; else target=notebooks; fi; \
	if [ "$$(id -u)" = 0 ]; then root=--allow-root; fi; \
	$(VENV)/bin/jupyter lab $$root --ServerApp.root_dir=$(CURDIR) $$($(PY) -m backrelief_analysis.jupyter_setup --options) $$target

# the patient's page: session, check-in, progress, report, reminders; no code, local only
app: $(STAMP)
	$(VENV)/bin/backrelief app

test: $(STAMP)
	$(PY) -m pytest --nbval-lax

bench: $(STAMP)
	$(PY) -m benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check .

demo: $(STAMP)
	$(VENV)/bin/backrelief demo --out data/demo

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "backrelief needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
