"""A year's agencies rolled up: their tables summed and compared, the charts, and the roll-up report
built as HTML and PDF (`xxgk rollup`)."""
