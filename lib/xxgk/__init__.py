"""xxgk: 政府信息公开工作年度报告 from one parameter file per agency and year.

Entry points: ``xxgk.load_params`` (a validated report model), ``xxgk.run.build.build`` (one report),
and the ``xxgk`` command (``xxgk.cli``).
"""

from .errors import XxgkError
from .report.params import load_params

__all__ = ["XxgkError", "load_params"]
