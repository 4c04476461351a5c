"""A deterministic simulation of an email + content app writing every source table.

Four models (spam_filter, home_feed, price_estimator, ticket_summarizer) and
the product's event stream, for one healthy world or one with a known defect
injected (see SCENARIOS), so each check of the suite has data it must pass
and data it must catch.
"""

from .scenarios import SCENARIOS, canary_day, injection_day
from .warehouse import generate_frames, generate_warehouse

__all__ = [
    "SCENARIOS",
    "canary_day",
    "generate_frames",
    "generate_warehouse",
    "injection_day",
]
