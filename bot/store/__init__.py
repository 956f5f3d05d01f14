"""The one seam to the database: a store per transaction, with one type per thing.

`bot.db.Database` opens a transaction and hands its work a `SqlStore`; use-cases are written against the
`Store` protocol, which tests fake with a dict-backed store (tests/fakes/store.py).
"""
from .errors import Contention
from .protocol import Store
from .records import (AbsenceRecord, AbsenceSource, AgentRecord, AuditRecord, Conversation, ConversationStatus, Counts, CustomerRecord, DecisionRecord,
                      OutboxItem, OutboxKind, OutboxState, Preflight, TeamRecord, Trigger, WrongTokens)
from .sql import SqlStore

__all__ = [
    "AbsenceRecord", "AbsenceSource", "AgentRecord", "AuditRecord", "Contention", "Conversation", "ConversationStatus", "Counts", "CustomerRecord",
    "DecisionRecord", "OutboxItem", "OutboxKind", "OutboxState", "Preflight", "SqlStore", "Store", "TeamRecord",
    "Trigger", "WrongTokens",
]
