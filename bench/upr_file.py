"""A generated UPR Info export of any size: the import benchmark's file and the crash test's."""

import csv
import random
from pathlib import Path

from app.imports.readers.upr_info import COLUMNS

STATES = (
    "Kazakhstan",
    "Kyrgyzstan",
    "Uzbekistan",
    "Tajikistan",
    "Turkmenistan",
    "Azerbaijan",
    "Belarus",
    "Armenia",
)
RECOMMENDERS = (
    "Hungary",
    "Australia",
    "Canada",
    "Norway",
    "Brazil",
    "Côte d'Ivoire",
    "Türkiye",
    "Germany",
    "Japan",
)
VERBS = ("Decriminalise", "Repeal", "Amend", "Ensure", "Guarantee", "Investigate", "Ratify", "Simplify")
OBJECTS = (
    "defamation and insult",
    "the registration of religious associations",
    "the permit regime for peaceful assemblies",
    "the reporting duties of non-governmental organisations",
    "the independence of the judiciary",
    "the safety of journalists and human rights defenders",
    "allegations of torture in pre-trial detention",
)
ISSUES = (
    "Freedom of opinion and expression",
    "Freedom of association and peaceful assembly",
    "Justice",
    "Torture",
)
RESPONSES = ("Accepted", "Noted", "Partially accepted", "Pending")


def write_upr_info_file(path: Path, rows: int, seed: int = 2014, encoding: str = "cp1252") -> Path:
    """Write `rows` distinct recommendations over several states and sessions, as UPR Info exports them."""
    rng = random.Random(seed)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r")
        writer.writerow(COLUMNS)
        for number in range(rows):
            state = STATES[number % len(STATES)]
            session = 7 + (number // len(STATES)) % 40
            text = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} (“measure {number}”) – within two years."
            recommenders = "; ".join(rng.sample(RECOMMENDERS, 1 + (number % 3 == 0)))
            issues = ", ".join(rng.sample(ISSUES, 2))
            writer.writerow(
                (
                    state,
                    "Asia",
                    "",
                    text,
                    recommenders,
                    "",
                    "",
                    rng.choice(RESPONSES),
                    rng.randint(1, 5),
                    issues,
                    session,
                )
            )
    return path
