"""The routing engine: pure decisions, no I/O."""
from . import availability
from .decide import covers, decide, first_contact, in_window
from .pick import pick, pick_in, rank
from .hours import Hours, HoursError
from .memory import MemoryDirectory
from .model import Absence, Agent, Decision, Directory, Event, Link, Miss, Outcome, Rule, Settings, Status
from .reason import CUSTOMER, lit, render

__all__ = [
    "Absence", "Agent", "Decision", "Directory", "Event", "Hours", "HoursError", "Link", "MemoryDirectory", "Miss",
    "Outcome", "Rule", "Settings", "Status", "CUSTOMER", "availability", "covers", "decide", "first_contact",
    "in_window", "lit", "pick", "pick_in", "rank", "render",
]
