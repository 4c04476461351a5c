"""A small contract-shaped warehouse for the business layer, built by hand
(not by the demo generator) so every expected value in the tests below can
be worked out on paper.

Day 1 (2024-01-01): u1 and u2 sign up; u3 is an old user.
  u1: session s1 (100 s), home_feed list r1 (web) a, b, c; clicks a (and the
      click is re-delivered once), converts a for 20; rates 2.
  u2: session s2 (300 s); a false_block ticket about spam_filter (served on
      android); never uses an AI feature.
  u3: session s3 (200 s), home_feed list r2 (ios) a, b; clicks b; rates 4;
      one app_crash (an event type the contract does not list).
Day 2: u1 again (s4, 50 s, list r3 a, b, clicks b); u4 signs up (s5, 60 s).
Day 8: u1 again (s6, 10 s): the day-7 follow-up of the day-1 cohort.
"""

from __future__ import annotations

import pandas as pd

D1, D2, D8 = "2024-01-01", "2024-01-02", "2024-01-08"


def _ts(day: str, clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"{day} {clock}")


def business_frames() -> dict[str, pd.DataFrame]:
    users = pd.DataFrame(
        {
            "user_id": ["u1", "u2", "u3", "u4"],
            "signed_up_at": [
                _ts(D1, "08:00"),
                _ts(D1, "09:00"),
                pd.Timestamp("2023-12-01 12:00"),
                _ts(D2, "10:00"),
            ],
            "acquisition_channel": ["organic", "ads", "organic", "referral"],
        }
    )
    preds = []

    def ranked(request, user, segment, day, clock, items):
        for rank, item in enumerate(items, start=1):
            preds.append(
                dict(
                    prediction_id=f"{request}-{item}",
                    model_name="home_feed",
                    model_version="v1",
                    task_type="ranking",
                    predicted_at=_ts(day, clock),
                    user_id=user,
                    segment=segment,
                    score=1.0 / rank,
                    request_id=request,
                    item_id=item,
                    rank=rank,
                    is_exploration=False,
                    latency_ms=50.0,
                )
            )

    ranked("r1", "u1", "web", D1, "08:00:10", ["a", "b", "c"])
    ranked("r2", "u3", "ios", D1, "12:00:10", ["a", "b"])
    ranked("r3", "u1", "web", D2, "08:00:10", ["a", "b"])
    preds.append(
        dict(
            prediction_id="sf-1",
            model_name="spam_filter",
            model_version="v1",
            task_type="binary_classification",
            predicted_at=_ts(D1, "09:30"),
            user_id="u2",
            segment="android",
            score=0.9,
            threshold=0.5,
            predicted_label=True,
            latency_ms=30.0,
        )
    )
    events = []

    def ev(
        event_id,
        user,
        session,
        kind,
        day,
        clock,
        model=None,
        request=None,
        item=None,
        value=None,
        properties=None,
    ):
        events.append(
            dict(
                event_id=event_id,
                user_id=user,
                session_id=session,
                event_type=kind,
                occurred_at=_ts(day, clock),
                model_name=model,
                request_id=request,
                item_id=item,
                value=value,
                properties=properties,
            )
        )

    hf = "home_feed"
    ev("e01", "u1", None, "signup", D1, "08:00:00")
    ev("e02", "u1", "s1", "session_start", D1, "08:00:05")
    for i, item in enumerate(["a", "b", "c"]):
        ev(f"e03{i}", "u1", "s1", "impression", D1, "08:00:10", hf, "r1", item)
    ev("e04", "u1", "s1", "click", D1, "08:00:30", hf, "r1", "a")
    ev("e04", "u1", "s1", "click", D1, "08:00:31", hf, "r1", "a")  # re-delivered
    ev("e05", "u1", "s1", "conversion", D1, "08:01:00", hf, "r1", "a", 20.0)
    ev("e06", "u1", "s1", "rating", D1, "08:01:10", value=2.0)
    ev("e07", "u1", "s1", "session_end", D1, "08:01:45", value=100.0)
    ev("e08", "u2", None, "signup", D1, "09:00:00")
    ev("e09", "u2", "s2", "session_start", D1, "09:00:05")
    ev(
        "e10",
        "u2",
        "s2",
        "support_ticket",
        D1,
        "09:40:00",
        "spam_filter",
        properties='{"reason": "false_block"}',
    )
    ev("e11", "u2", "s2", "session_end", D1, "09:05:05", value=300.0)
    ev("e12", "u3", "s3", "session_start", D1, "12:00:00")
    for i, item in enumerate(["a", "b"]):
        ev(f"e13{i}", "u3", "s3", "impression", D1, "12:00:10", hf, "r2", item)
    ev("e14", "u3", "s3", "click", D1, "12:00:40", hf, "r2", "b")
    ev("e15", "u3", "s3", "rating", D1, "12:01:00", value=4.0)
    ev("e16", "u3", "s3", "app_crash", D1, "12:02:00", properties='{"screen": "inbox"}')
    ev("e17", "u3", "s3", "session_end", D1, "12:03:20", value=200.0)
    ev("e20", "u1", "s4", "session_start", D2, "08:00:00")
    for i, item in enumerate(["a", "b"]):
        ev(f"e21{i}", "u1", "s4", "impression", D2, "08:00:10", hf, "r3", item)
    ev("e22", "u1", "s4", "click", D2, "08:00:20", hf, "r3", "b")
    ev("e23", "u1", "s4", "session_end", D2, "08:00:50", value=50.0)
    ev("e24", "u4", None, "signup", D2, "10:00:00")
    ev("e25", "u4", "s5", "session_start", D2, "10:00:05")
    ev("e26", "u4", "s5", "session_end", D2, "10:01:05", value=60.0)
    ev("e30", "u1", "s6", "session_start", D8, "20:00:00")
    ev("e31", "u1", "s6", "session_end", D8, "20:00:10", value=10.0)
    return {
        "users": users,
        "predictions": pd.DataFrame(preds),
        "events": pd.DataFrame(events),
        "items": pd.DataFrame(
            {
                "item_id": ["a", "b", "c"],
                "category": ["x", "y", "x"],
                "created_at": [pd.Timestamp("2023-06-01")] * 3,
            }
        ),
    }
