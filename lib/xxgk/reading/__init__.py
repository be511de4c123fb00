"""Published reports read back: a PDF, web page, Word file or text as a document of paragraphs and
cells, recognised as a report of the 2021 format, written down as a parameter file (`xxgk import`) or
audited (`xxgk audit`)."""
