"""A small book catalogue: search, pagination and prices."""
