"""The inbox: every request to the order and shop endpoints that was refused or ignored, for operators.

`model` holds the words and the port, `masking` what is kept of a body, `recording` the middleware that
records at the edge (rate-limited per source), `replay` an operator's replay of a refused shop arrival.
"""

from .model import Inbox, InboxEntry, InboxPage, InboxQuery, NewInboxEntry, Replay

__all__ = ["Inbox", "InboxEntry", "InboxPage", "InboxQuery", "NewInboxEntry", "Replay"]
