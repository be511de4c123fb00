# Two entry points, both self-installing on a fresh Debian machine with Python 3.11:
#   make report   builds the example report into outputs/2025/emin/
#   make test     runs ruff, mypy and the test suite
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
# fonts the PDF embeds, fontconfig to find them, pango for WeasyPrint, HarfBuzz's subsetter (WeasyPrint
# embeds fonts with it when present, with fontTools otherwise: 20 s a PDF and other bytes), poppler
# for reading PDFs back
DEBS := fontconfig fonts-noto-cjk fonts-lxgw-wenkai libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils

# another install running (unattended-upgrades, a second make) is waited for, up to 10 minutes,
# instead of failing on apt's lock: apt-get install waits by itself, apt-get update is retried
APT_WAIT := -o DPkg::Lock::Timeout=600

.PHONY: report test system

report: $(READY) system
	$(BIN)/xxgk build params/2025/emin.yaml

test: $(READY) system
	$(BIN)/ruff check lib tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Reinstalled whenever the dependencies change.
# Two makes at once (a report and the tests) take turns instead of installing into one venv together.
$(READY): pyproject.toml
	flock .venv.lock sh -c 'python3 -m venv $(VENV) \
	  && $(BIN)/python -m pip install --quiet --upgrade pip \
	  && $(BIN)/python -m pip install --quiet -e ".[test]"'
	touch $@

system:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  for try in $$(seq 120); do \
	    if out=$$($$sudo apt-get update -qq 2>&1); then break; fi; \
	    case "$$out" in *"get lock"*) echo "apt is busy (another install is running): waiting"; sleep 5;; \
	                    *) echo "$$out"; exit 1;; esac; \
	  done; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get $(APT_WAIT) install -y -qq $$missing; \
	fi
