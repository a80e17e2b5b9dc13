"""The two data files the model reads: cost/aws.toml (list prices, quotas, assumptions,
each with its date and source) and docs/measurements.json (what `make bench` measured)."""

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cost import MEASUREMENTS, PRICES_AND_QUOTAS


@dataclass(frozen=True)
class Price:
    key: str
    usd: float
    per: float
    what: str
    given: bool  # in the list given to the project (else: to confirm before use)

    def of(self, quantity: float) -> float:
        return quantity * self.usd / self.per


@dataclass(frozen=True)
class Quota:
    key: str
    default: float
    unit: str
    adjustable: bool
    source: str
    date: str
    verified: bool


@dataclass(frozen=True)
class Catalogue:
    region: str
    date: str
    source: str
    prices: dict[str, Price]
    quotas: dict[str, Quota]
    assumptions: dict[str, float]
    why: dict[str, str]  # each assumption's reason

    def cost(self, key: str, quantity: float) -> float:
        return self.prices[key].of(quantity)

    def assume(self, key: str) -> float:
        return self.assumptions[key]

    @property
    def wording(self) -> str:
        return f"list prices as of {self.date}"


def catalogue(path: Path = PRICES_AND_QUOTAS) -> Catalogue:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    meta = {k: v for k, v in data["prices"].items() if not isinstance(v, dict)}
    return Catalogue(
        region=meta["region"],
        date=meta["date"],
        source=meta["source"],
        prices={
            key: Price(key, float(p["usd"]), float(p["per"]), p["what"], p.get("given", True))
            for key, p in data["prices"].items()
            if isinstance(p, dict)
        },
        quotas={
            key: Quota(
                key,
                float(q["default"]),
                q["unit"],
                bool(q["adjustable"]),
                q["source"],
                str(q["date"]),
                bool(q["verified"]),
            )
            for key, q in data["quotas"].items()
        },
        assumptions={key: float(a["value"]) for key, a in data["assumptions"].items()},
        why={key: a["why"] for key, a in data["assumptions"].items()},
    )


def measurements(path: Path = MEASUREMENTS) -> dict[str, Any]:
    """docs/measurements.json as `make bench` wrote it."""
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
