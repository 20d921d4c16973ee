"""Prices in cents, to avoid rounding surprises."""


def discounted(price_cents, percent):
    """The price after a discount of `percent` percent, rounded down to a cent."""
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    return price_cents * (100 - percent) // 100


def basket_total(prices_cents):
    return sum(prices_cents)
