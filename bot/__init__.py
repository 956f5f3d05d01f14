"""stickybot: sticky routing from chat channels to Slack."""
from .app import create_app

__all__ = ["create_app"]
