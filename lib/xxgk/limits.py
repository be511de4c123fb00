"""The bounds the kit puts on its inputs and on a build, in one place.

A report's parameters are some 15 KB and nest four levels; its counts are at most millions. These
bounds stop only what no report needs — a file of tens of megabytes, an alias bomb, nesting deep
enough to exhaust the stack, a number a float cannot hold exactly, a cell that never ends — before
it costs minutes or gigabytes, with a message instead of a crash.
"""

from __future__ import annotations

from decimal import Decimal

MAX_PARAMS_BYTES = 1 << 20  # a parameter file (or last year's)
MAX_MANIFEST_BYTES = 1 << 20  # a manifest.json that verify reads (a build writes about 5 KB)
MAX_NOTEBOOK_BYTES = 20 << 20  # a kept section notebook that rerun reads (the example's are 10–200 KB)
MAX_VALUES = 100_000  # values in a parameter file once its aliases (*name) are expanded
MAX_DEPTH = 32  # levels of nesting in a parameter file
# counts and 万元 amounts: whole numbers stay exact wherever they go (great-tables formats through
# floats, which hold them exactly up to 2**53)
MAX_COUNT = 999_999_999
MAX_AMOUNT = Decimal(MAX_COUNT)
# agencies built at once (-j, build.jobs): each is a process with its own kernels, so beyond the
# cores this only thrashes; a Dask cluster's workers are bounded by it too
MAX_JOBS = 64
CELL_TIMEOUT = 300  # seconds one notebook cell may run; a section's cells take well under one
MAX_WORKBOOK_BYTES = 10 << 20  # a fill-in workbook (the kit writes about 30 KB; pictures pasted in add more)
MAX_WORKBOOK_UNPACKED = 50 << 20  # its parts once unzipped: a zip bomb stops here, before openpyxl reads it
# a published report that the kit reads (import, audit): reports are 3–10 pages, 0.1–2 MB;
# tables 二/三/四 have about 200 cells
MAX_REPORT_BYTES = 30 << 20
MAX_REPORT_PAGES = 60
MAX_REPORT_CELLS = 20_000  # in all the tables of one document, merged cells spread out
MAX_REPORT_TABLES = 500  # <table> elements in a web page (reports have 3–10; old sites lay pages out with a few dozen)
MAX_SPAN = 50  # a rowspan/colspan/gridSpan beyond this is not a table of the format
# the cache of checked parameter files (run/checkcache.py, ~/.cache/xxgk/checks/): an entry is about
# 10 KB and a roll-up of 1,000 agencies uses 1,000; every change of the kit starts a new set
CHECKS_UNUSED_DAYS = 30  # an entry not used for this long is removed
CHECKS_MAX_ENTRIES = 5_000  # beyond this the least recently used are removed (about 50 MB)
CHECKS_PRUNE_EVERY = 24 * 3600  # seconds: the folder is looked through at most this often
