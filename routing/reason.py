"""Reasons are kept as templates, so that a customer's id can later be replaced exactly (when the customer is
forgotten): the customer appears only as the placeholder `{customer}`, and every other outside string in a
reason is escaped with `lit()`. `render()` gives the text a person reads."""
from __future__ import annotations

CUSTOMER = "{customer}"


def lit(value: object) -> str:
    """An outside string (an agent, team or reference) as it goes into a template."""
    return str(value).replace("{", "{{").replace("}", "}}")


def render(template: str, customer_id: str) -> str:
    try:
        return template.format(customer=customer_id)
    except (KeyError, IndexError, ValueError):  # not a template after all: shown as it is
        return template
