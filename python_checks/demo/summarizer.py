"""ticket_summarizer: one-sentence summaries of support conversations.

A reference summary is assembled from slots (who, issue, context, action,
outcome); the generated one keeps each slot verbatim or paraphrases it, drops
the context or the outcome now and then and sometimes gets the issue wrong, which puts
BLEU/ROUGE against the reference in the realistic 0.2-0.6 band. About half
the summaries get a reference later (a few empty); users rate some of them,
and the rating tracks how faithful the summary was.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .scenarios import HOUR_US, SECOND_US, World
from .table import Num, Table, Text, cat, const, ids, rows_where, served, ts
from .users import PLATFORMS, Population, Sessions

MODEL = "ticket_summarizer"
TASK_TYPE = "generation"
PREFIX = "ts-"

SUBJECTS = ("the customer", "the user", "the client", "the account owner")
# (reference wording, paraphrase the model tends to produce)
ISSUES = (
    ("could not log in to the account", "was unable to sign in to the account"),
    ("was charged twice for the subscription", "saw a duplicate charge on the subscription"),
    ("did not receive the monthly invoice", "never got the invoice for this month"),
    ("lost access to the shared folders", "can no longer open the shared folders"),
    ("found legitimate emails in the spam folder", "had real emails moved to spam"),
    ("could not reset the password", "failed to reset the password"),
    ("reported slow sync on the mobile app", "said the mobile app syncs slowly"),
    ("asked to cancel the subscription", "wants to cancel the plan"),
    ("could not export the quarterly report", "had trouble exporting the report"),
    ("was missing attachments in sent messages", "noticed sent messages lost their attachments"),
)
CONTEXTS = (
    ("after the latest update", "since the last update"),
    ("on the android app", "on android"),
    ("since last week", "for about a week"),
    ("on the web client", "in the browser"),
    ("during checkout", "while paying"),
    ("after changing plans", "after a plan change"),
)
ACTIONS = (
    ("the agent reset the credentials", "support reset the login details"),
    ("the agent issued a full refund", "a refund was issued"),
    ("the agent escalated the case to engineering", "the case went to engineering"),
    ("the agent removed the spam filter rule", "support deleted the filter rule"),
    ("the agent resent the invoice", "the invoice was sent again"),
    ("the agent restored the folder permissions", "permissions were restored"),
    ("the agent shared a workaround", "support suggested a workaround"),
    ("the agent updated the billing details", "billing details were updated"),
)
OUTCOMES = (
    ("and the issue is resolved", "and the problem is fixed"),
    ("and the customer confirmed the fix", "and the fix was confirmed"),
    ("and a follow up is scheduled", "and a follow up call is planned"),
    ("and the ticket remains open", "and the ticket is still open"),
    ("and the customer is waiting for a reply", "and a reply is pending"),
)
SLOTS = (ISSUES, CONTEXTS, ACTIONS, OUTCOMES)
KEEP_P = 0.2  # a slot is copied verbatim, otherwise paraphrased


def _phrases(table: tuple[tuple[str, str], ...], which: int) -> np.ndarray:
    return np.array([pair[which] for pair in table])


def _join(*parts: np.ndarray) -> np.ndarray:
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(np.strings.add(out, " "), p)
    return out


def _texts(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference and generated text per summary, and the share of slots kept verbatim."""
    if n == 0:
        return np.array([], dtype=object), np.array([], dtype=object), np.array([])
    subject = rng.integers(0, len(SUBJECTS), n)
    gen_subject = np.where(rng.random(n) < 0.6, subject, rng.integers(0, len(SUBJECTS), n))
    choice = [rng.integers(0, len(slot), n) for slot in SLOTS]
    keep = [rng.random(n) < KEEP_P for _ in SLOTS]
    wrong_issue = rng.random(n) < 0.1
    gen_issue = np.where(wrong_issue, rng.integers(0, len(ISSUES), n), choice[0])
    drop_context = rng.random(n) < 0.3
    drop_outcome = rng.random(n) < 0.25

    subjects = np.array(SUBJECTS)
    ref = [_phrases(slot, 0)[c] for slot, c in zip(SLOTS, choice, strict=True)]
    gen = []
    for slot, c, k in zip(SLOTS, [gen_issue, *choice[1:]], keep, strict=True):
        gen.append(np.where(k, _phrases(slot, 0)[c], _phrases(slot, 1)[c]))
    gen[1] = np.where(drop_context, "", gen[1])
    gen[3] = np.where(drop_outcome, "", gen[3])
    reference = _join(subjects[subject], ref[0], np.strings.add(ref[1], ","), ref[2], ref[3])
    generated = _join(subjects[gen_subject], gen[0], np.strings.add(gen[1], ","), gen[2], gen[3])
    reference = np.strings.add(reference, ".")
    generated = np.strings.add(np.strings.rstrip(np.strings.replace(generated, " ,", ",")), ".")
    faithful = (
        np.sum(keep, axis=0) + (gen_subject == subject) - wrong_issue * 2 - drop_outcome
    ) / 5
    return reference.astype(object), generated.astype(object), np.clip(faithful, 0, 1)


def simulate_summarizer(world: World, pop: Population, sessions: Sessions) -> Iterator[Table]:
    """A day at a time: predictions, labels, rating events."""
    next_pid = 0
    for day in range(world.days):
        rng = world.rng("summarizer", day)
        sess, at = sessions.sample(rng, day, world.volume(rng, 150))
        n = len(sess)
        user = sessions.user[sess]
        reference, generated, faithful = _texts(rng, n)
        latency = np.round(rng.lognormal(np.log(900.0), 0.35, n), 1)
        labeled = rng.random(n) < 0.5
        reference[rng.random(n) < 0.02] = ""
        label_at = at + rng.integers(2 * HOUR_US, 48 * HOUR_US, n)
        rated = rng.random(n) < 0.35
        rating = np.clip(np.round(2.8 + 2.5 * faithful + rng.normal(0.0, 0.8, n)), 1, 5)
        rating_at = at + rng.integers(10 * SECOND_US, 600 * SECOND_US, n)

        pid = next_pid + np.arange(n)
        next_pid += n
        yield served(
            PREFIX,
            pid,
            MODEL,
            "v1",
            TASK_TYPE,
            at,
            ids("u-", user),
            cat(PLATFORMS, pop.platform[user]),
            generated_text=Text(generated),
            latency_ms=Num(latency),
        )
        yield rows_where(
            "labels",
            labeled & (label_at < world.as_of_us),
            prediction_id=ids(PREFIX, pid),
            reference_text=Text(reference),
            labeled_at=ts(label_at),
        )
        yield rows_where(
            "events",
            rated & (rating_at < world.as_of_us),
            user_id=ids("u-", user),
            session_id=ids("s-", sess),
            event_type=const("rating", n),
            occurred_at=ts(rating_at),
            model_name=const(MODEL, n),
            value=Num(rating),
        )
