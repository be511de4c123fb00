# Two entry points, both self-installing on a fresh machine (Python 3.11 with venv is all they need):
#   make report   builds the example report into outputs/2025/emin/
#   make test     runs the test suite
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

.PHONY: report test

report: $(READY)
	$(BIN)/xxgk build params/2025/emin.yaml

test: $(READY)
	$(BIN)/python -m pytest

# Reinstalled whenever the dependencies change.
$(READY): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@
