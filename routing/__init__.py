"""The routing engine: pure decisions, no I/O."""
from .decide import decide, first_contact, in_window, pick
from .memory import MemoryDirectory
from .model import Agent, Decision, Directory, Event, Link, Miss, Outcome, Rule, Settings, Status
from .reason import CUSTOMER, lit, render

__all__ = [
    "Agent", "Decision", "Directory", "Event", "Link", "MemoryDirectory", "Miss", "Outcome", "Rule",
    "Settings", "Status", "CUSTOMER", "decide", "first_contact", "in_window", "lit", "pick", "render",
]
