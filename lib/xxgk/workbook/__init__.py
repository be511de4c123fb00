"""The Excel fill-in workbook: its layout computed from the format data, writing it, and reading a
returned one back into a report."""
