"""The report's format and its checks: the official format as data, the model of one report, reading a
parameter file into it, the narrative's references and numerals, the rules and their findings."""
