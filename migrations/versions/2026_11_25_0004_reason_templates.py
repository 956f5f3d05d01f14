"""reason templates: a decision's reason names its customer only as {customer}, other braces escaped

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:00:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The decision's conversation's customer, braces escaped; conversations are never deleted (coalesce: a guard).
CUSTOMER = ("replace(replace(coalesce((SELECT c.customer_id FROM conversation c "
            "WHERE c.id = decision.conversation_id), ''), '{', '{{'), '}', '}}')")
# Where earlier versions wrote the customer's id into a reason: only there is it replaced, never elsewhere.
CONTEXTS = (("'record for '", "';'"), ("' helped '", "' '"), ("' handled '", "' '"))


def upgrade() -> None:
    reason = "replace(replace(reason, '{', '{{'), '}', '}}')"
    for before, after in CONTEXTS:
        reason = f"replace({reason}, {before} || {CUSTOMER} || {after}, {before} || '{{customer}}' || {after})"
    op.execute(f"UPDATE decision SET reason = {reason}")


def downgrade() -> None:
    op.execute("UPDATE decision SET reason = replace(replace(replace(reason, '{customer}', "
               "coalesce((SELECT c.customer_id FROM conversation c WHERE c.id = decision.conversation_id), '')), "
               "'{{', '{'), '}}', '}')")
