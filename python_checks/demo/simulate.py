"""Run the whole simulated product: users, the four models, the event stream."""

from __future__ import annotations

from tqdm.auto import tqdm

from .events import assemble_events, misc_events
from .feed import simulate_catalog, simulate_feed
from .regression import simulate_price
from .scenarios import World
from .spam import simulate_spam
from .summarizer import simulate_summarizer
from .table import Table
from .users import session_events, simulate_population, simulate_sessions, users_table

STEPS = ("users", "spam_filter", "home_feed", "price_estimator", "ticket_summarizer", "events")


def simulate(world: World, progress: bool = False) -> dict[str, list[Table]]:
    """Every source table of the contract as its parts (one per model where
    several models write it), keyed by table name."""
    bar = tqdm(total=len(STEPS), desc="simulate", unit="step", disable=not progress)

    def step(name: str) -> None:
        bar.set_postfix_str(name)

    step("users")
    pop = simulate_population(world)
    sessions = simulate_sessions(world, pop)
    bar.update()
    step("spam_filter")
    spam = simulate_spam(world, pop)
    bar.update()
    step("home_feed")
    feed = simulate_feed(world, pop, sessions, simulate_catalog(world))
    bar.update()
    step("price_estimator")
    price = simulate_price(world, pop, sessions)
    bar.update()
    step("ticket_summarizer")
    summ = simulate_summarizer(world, pop, sessions)
    bar.update()
    step("events")
    events = assemble_events(
        world,
        [
            session_events(pop, sessions),
            spam.tickets,
            feed.events,
            summ["events"],
            misc_events(world, sessions),
        ],
    )
    bar.update()
    bar.close()
    # parts stay separate (one per model) so the writer never copies them into one
    return {
        "predictions": [
            spam.predictions,
            feed.predictions,
            price["predictions"],
            summ["predictions"],
        ],
        "prediction_features": [spam.features, feed.features, price["prediction_features"]],
        "labels": [spam.labels, feed.labels, price["labels"], summ["labels"]],
        "events": [events],
        "items": [feed.items],
        "users": [users_table(pop)],
    }
