"""What became of an agency's report in a build or a batch, as the terminal and the index say it."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Each is also its own text (``"built"``): the index page's data attributes and CSS classes."""

    BUILT = "built"
    UNCHANGED = "unchanged"  # the outputs in place were already these inputs'
    FAILED = "failed"
    EARLIER = "earlier"  # built by an earlier batch, not this one (the index only)
    EARLIER_FAILED = "earlier-failed"  # an earlier batch's failure left its partial notebooks
