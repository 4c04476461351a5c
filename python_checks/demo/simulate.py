"""Run the whole simulated product: users, the four models, the event stream.

The tables come out as parts (one per model where several models write a
table) in the order they are ready, so the writer can store and drop each
model's rows before the next model runs: at scale 100 that is the difference
between holding one model's output and holding all of it.
"""

from __future__ import annotations

from collections.abc import Iterator

from tqdm.auto import tqdm

from python_checks.declare.contract import SOURCE_TABLES

from .events import assemble_events, misc_events
from .feed import simulate_catalog, simulate_feed
from .regression import simulate_price
from .scenarios import World
from .spam import simulate_spam
from .summarizer import simulate_summarizer
from .table import Table
from .users import session_events, simulate_population, simulate_sessions, users_table

STEPS = ("users", "spam_filter", "home_feed", "price_estimator", "ticket_summarizer", "events")


def simulate_parts(world: World, progress: bool = False) -> Iterator[Table]:
    """Every part of every source table, each yielded once, in a fixed order.
    Event parts are held back: the stream is numbered and ordered at the end."""
    events: list[Table] = []

    with tqdm(total=len(STEPS), desc="simulate", unit="model", disable=not progress) as bar:
        bar.set_postfix_str("users")
        pop = simulate_population(world)
        sessions = simulate_sessions(world, pop)
        yield users_table(pop)
        events.append(session_events(pop, sessions))
        bar.update()

        for name, run in (
            ("spam_filter", lambda: simulate_spam(world, pop)),
            ("home_feed", lambda: simulate_feed(world, pop, sessions, simulate_catalog(world))),
            ("price_estimator", lambda: simulate_price(world, pop, sessions)),
            ("ticket_summarizer", lambda: simulate_summarizer(world, pop, sessions)),
        ):
            bar.set_postfix_str(name)
            for part in run():
                if part.name == "events":
                    events.append(part)
                else:
                    yield part
            bar.update()

        bar.set_postfix_str("events")
        events.append(misc_events(world, sessions))
        yield assemble_events(world, events)
        bar.update()


def simulate(world: World, progress: bool = False) -> dict[str, list[Table]]:
    """All parts, grouped by table name (contract order)."""
    tables: dict[str, list[Table]] = {name: [] for name in SOURCE_TABLES}
    for part in simulate_parts(world, progress):
        tables[part.name].append(part)
    return tables
