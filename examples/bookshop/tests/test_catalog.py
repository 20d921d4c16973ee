import pytest

from bookshop.catalog import Book, page_count, paginate, search

BOOKS = [Book(f"Title {n}", "Ann Author" if n % 2 else "Bo Writer", 1000 + n) for n in range(1, 8)]


def test_search_matches_author_ignoring_case():
    assert [b.title for b in search(BOOKS, "bo writer")] == ["Title 2", "Title 4", "Title 6"]


def test_page_count_rounds_up():
    assert page_count(7, 3) == 3


def test_first_page_starts_with_first_item():
    assert paginate(list(range(10)), page=1, per_page=3) == [0, 1, 2]


def test_last_page_is_partial():
    assert paginate(list(range(10)), page=4, per_page=3) == [9]


def test_page_zero_is_refused():
    with pytest.raises(ValueError):
        paginate([1, 2, 3], page=0, per_page=2)
