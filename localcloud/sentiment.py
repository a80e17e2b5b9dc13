"""The local cloud's stand-in for Amazon Comprehend's DetectSentiment: NOT Amazon
Comprehend. moto answers every text NEUTRAL, which would leave the reviews' positive
and negative paths unreachable locally; this answers from two word lists kept in
sentiment_words.json, deterministically, so a test (or a person trying the shop) can
aim at each branch: positive words only → POSITIVE, negative only → NEGATIVE, both →
MIXED, neither → NEUTRAL. The emulator applies it as a patch of moto's Comprehend
(emulator_patches.py, `comprehend-sentiment-stand-in`), after moto's own checks of the
language code and the text's size."""

import functools
import json
import re
from pathlib import Path
from typing import Any

WORDS_FILE = Path(__file__).with_name("sentiment_words.json")
PATCH = "comprehend-sentiment-stand-in"  # its name among the emulator's patches
LABELS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")  # Comprehend's, in its score order
_WORD = re.compile(r"[a-z']+")
# The label's score; the other three share the rest equally (Comprehend's sum to 1).
_CONFIDENCE = 0.91


@functools.cache
def _words() -> tuple[frozenset[str], frozenset[str]]:
    lists = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
    return frozenset(lists["positive"]), frozenset(lists["negative"])


def detect_sentiment(text: str) -> dict[str, Any]:
    """DetectSentiment's answer ({Sentiment, SentimentScore}) for the text."""
    positive, negative = _words()
    words = _WORD.findall(text.lower())
    liked = any(word in positive for word in words)
    disliked = any(word in negative for word in words)
    label = {
        (True, True): "MIXED",
        (True, False): "POSITIVE",
        (False, True): "NEGATIVE",
        (False, False): "NEUTRAL",
    }[liked, disliked]
    rest = round((1 - _CONFIDENCE) / 3, 2)
    return {
        "Sentiment": label,
        "SentimentScore": {
            name.capitalize(): _CONFIDENCE if name == label else rest for name in LABELS
        },
    }
