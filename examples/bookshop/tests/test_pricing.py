import pytest

from bookshop.pricing import basket_total, discounted


def test_discount_rounds_down():
    assert discounted(999, 10) == 899


def test_discount_out_of_range():
    with pytest.raises(ValueError):
        discounted(100, 120)


def test_basket_total():
    assert basket_total([100, 250, 5]) == 355
