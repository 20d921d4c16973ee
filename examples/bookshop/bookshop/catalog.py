"""Searching and paging through the catalogue."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Book:
    title: str
    author: str
    price_cents: int


def search(books, text):
    """Books whose title or author contains `text`, ignoring case."""
    needle = text.casefold()
    return [b for b in books if needle in b.title.casefold() or needle in b.author.casefold()]


def page_count(total, per_page):
    """How many pages `total` items fill, `per_page` at a time."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    return (total + per_page - 1) // per_page


def paginate(items, page, per_page):
    """The items shown on `page`, counting pages from 1."""
    if page < 1:
        raise ValueError("pages are numbered from 1")
    start = page * per_page
    return items[start : start + per_page]
