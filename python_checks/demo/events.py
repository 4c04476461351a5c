"""The product-analytics event stream.

The models and the session simulation each emit their own events; this
module adds the product-wide noise (billing tickets, an event type nobody
declared) and assembles the stream the way a collector would deliver it:
ordered by time, numbered, with a few re-delivered duplicates.
"""

from __future__ import annotations

import numpy as np

from .scenarios import SECOND_US, World
from .table import Table, concat, const, ids, ts
from .users import Sessions

UNKNOWN_EVENT_TYPE = "app_crash"
DUPLICATE_P = 0.003


def misc_events(world: World, sessions: Sessions) -> Table:
    """Per day ~4 billing tickets and ~3 `app_crash` events (at scale 1), inside sessions."""
    parts = []
    for day in range(world.days):
        rng = world.rng("misc_events", day)
        for event_type, per_day, properties in (
            ("support_ticket", 4, '{"reason": "billing"}'),
            (UNKNOWN_EVENT_TYPE, 3, '{"screen": "inbox"}'),
        ):
            sess, at = sessions.sample(rng, day, world.volume(rng, per_day))
            n = len(sess)
            parts.append(
                Table(
                    "events",
                    n,
                    {
                        "user_id": ids("u-", sessions.user[sess]),
                        "session_id": ids("s-", sess),
                        "event_type": const(event_type, n),
                        "occurred_at": ts(at),
                        "properties": const(properties, n),
                    },
                )
            )
    return concat("events", parts)


def assemble_events(world: World, parts: list[Table]) -> Table:
    """Order by time, number the events, then add ~0.3% re-delivered copies
    (half identical, half a few seconds later) under the same event_id.
    Empties `parts` so only the merged copy stays in memory."""
    events = concat("events", parts, consume=True)
    parts.clear()
    at = events.columns["occurred_at"].us.view(np.int64)
    in_window = np.flatnonzero(at < world.as_of_us)
    order = in_window[np.argsort(at[in_window], kind="stable")]  # event number -> row
    n = len(order)

    # one row of draws per event, so a scenario's extra late events leave the
    # draws of every earlier event as they are in healthy
    u = world.rng("duplicates").random((n, 3))
    dup = u[:, 0] < DUPLICATE_P
    later = u[:, 1] < 0.5
    shift = SECOND_US + (u[:, 2] * 29 * SECOND_US).astype(np.int64)
    del u
    copied = np.flatnonzero(dup)
    moved = at[order[copied]] + np.where(later[copied], shift[copied], 0)
    moved = np.where(moved < world.as_of_us, moved, at[order[copied]])

    number = np.concatenate([np.arange(n), copied])
    when = np.concatenate([at[order], moved])
    final = np.argsort(when, kind="stable")  # copies land after their original
    return events.take(order[number[final]], consume=True).replace(
        event_id=ids("ev-", number[final]), occurred_at=ts(when[final])
    )
