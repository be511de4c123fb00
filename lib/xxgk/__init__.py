"""xxgk: 政府信息公开工作年度报告 from one parameter file per agency and year.

Entry points: ``xxgk.load_params`` (a validated report model), ``xxgk.run.build.build`` (one report),
and the ``xxgk`` command (``xxgk.cli``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import XxgkError

if TYPE_CHECKING:
    from .report.params import load_params

__all__ = ["XxgkError", "load_params"]


def __getattr__(name: str) -> Any:
    """``load_params`` on first use: the report model it brings (pydantic models built from the
    format data, 0.3-0.5 s) is not what every importer of the package needs first; a roll-up
    starts its kernel's template before loading it."""
    if name == "load_params":
        from .report.params import load_params

        return load_params
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
