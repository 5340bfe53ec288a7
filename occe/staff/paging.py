"""Splitting a long list into pages (``?page=2``), with one count and one page query."""

import math
from dataclasses import dataclass

PER_PAGE = 50


@dataclass
class Page:
    items: list
    number: int
    pages: int
    total: int

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages


def paginate(query, page_arg, per_page=PER_PAGE):
    """Return the page ``page_arg`` (text from the URL, clamped to what exists) of ``query``."""
    total = query.count()
    pages = max(1, math.ceil(total / per_page))
    number = int(page_arg) if str(page_arg or "").isdigit() else 1
    number = min(max(number, 1), pages)
    return Page(list(query.paginate(number, per_page)), number, pages, total)
