# Two entry points, both self-installing on a fresh Debian machine with Python 3.11:
#   make report   builds the example report into outputs/2025/emin/
#   make test     runs ruff, mypy and the test suite
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
# the kit's environment as the Jupyter kernel "xxgk" that the executed notebooks name (execute.KERNEL)
KERNEL := $(VENV)/share/jupyter/kernels/xxgk/kernel.json
# fonts the PDF embeds, fontconfig to find them, pango for WeasyPrint, HarfBuzz's subsetter (WeasyPrint
# embeds fonts with it when present, with fontTools otherwise: 14 s a PDF and other bytes; the kit
# makes no PDF without it, pdf.check_subsetter), poppler for reading PDFs back
DEBS := fontconfig fonts-noto-cjk fonts-lxgw-wenkai libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
# for the tests only (a statistician's `make report` does without them): Chromium and its WebDriver
# (the HTML as a browser lays it out), LibreOffice Writer and Calc (the Word file and the fill-in workbook as
# an office suite opens them)
TEST_DEBS := chromium chromium-driver libreoffice-writer-nogui libreoffice-calc-nogui
# 仿宋: FandolFang (GPL with the font exception), the free FangSong face with all of GB2312. Debian has it
# only in texlive-lang-chinese, whose TeX dependencies take 1.1 GB: the one font file is taken out of
# that package (a 49 MB download) into the folder fontconfig reads for local fonts.
FANDOL := /usr/local/share/fonts/fandol/FandolFang-Regular.otf

# another install running (unattended-upgrades, a second make) is waited for, up to 10 minutes,
# instead of failing on apt's lock: apt-get install waits by itself, apt-get update is retried
APT_WAIT := -o DPkg::Lock::Timeout=600

.PHONY: report test system test-system

# The kit is installed editable, which pip does not compile: compiled here (only what changed), so that
# no command compiles its modules again where Python may not write them (PYTHONDONTWRITEBYTECODE, a
# read-only checkout), about 0.15 CPU-s a process (the builder, the kernels' template, each test's)
COMPILE := $(BIN)/python -m compileall -q lib

report: $(READY) $(KERNEL) system
	$(COMPILE)
	$(BIN)/xxgk build params/2025/emin.yaml

test: $(READY) $(KERNEL) test-system
	$(COMPILE)
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

# JupyterLab opens the kept notebooks with a Python that can import xxgk (one installed elsewhere
# finds it after `.venv/bin/python -m ipykernel install --user --name xxgk`, see README)
$(KERNEL): $(READY)
	$(BIN)/python -m ipykernel install --sys-prefix --name xxgk --display-name "Python 3 (xxgk)"

test-system: PACKAGES = $(DEBS) $(TEST_DEBS)
system: PACKAGES = $(DEBS)
system test-system: $(FANDOL)
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
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

$(FANDOL):
	@echo "taking FandolFang out of the Debian package texlive-lang-chinese"
	@sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); tmp=$$(mktemp -d); chmod 755 $$tmp; \
	(cd $$tmp && { apt-get download -qq texlive-lang-chinese 2>/dev/null || \
	  { $$sudo apt-get update -qq && apt-get download -qq texlive-lang-chinese; }; } && \
	  dpkg-deb --fsys-tarfile texlive-lang-chinese_*.deb | tar -x --wildcards '*/FandolFang-Regular.otf') && \
	$$sudo install -D -m 644 $$(find $$tmp -name FandolFang-Regular.otf) $@ && $$sudo fc-cache $(@D); \
	status=$$?; rm -rf $$tmp; exit $$status
