"""Errors the store raises that the transaction runner knows how to handle."""


class Contention(Exception):
    """A row this transaction relied on kept changing under it; the whole transaction is run again."""
