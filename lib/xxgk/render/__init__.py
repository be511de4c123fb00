"""Rendering a report: its tables and narrative as HTML, the executed notebooks assembled into the
publication and audit pages, and the same publication as PDF and Word, with the provenance of what
made them."""
