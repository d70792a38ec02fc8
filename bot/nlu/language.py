"""Which language a message is in: English, or something the assistant does not speak.

A small, dependency-free heuristic (no model can be downloaded here): messages
mostly in a non-Latin script are not English; Latin-script messages are compared
by their function words ("el", "mi", "est", "ich", ...) against English ones.
It only has to tell "answer in English" from "say we only speak English".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, FrozenSet

ENGLISH = frozenset(
    "the a an is are was were my me i you your it this that and or but of to for with on at "
    "where what when why how can could would will please order orders my have has not no yes "
    "do does did be been there here from about".split()
)
# Function words that are not also English words.
FOREIGN: Dict[str, FrozenSet[str]] = {
    "es": frozenset("el la los las mi mis es está están dónde donde qué cuándo pedido por favor quiero "
                    "tengo un una del con para que hola gracias cómo mío".split()),
    "fr": frozenset("le la les mon ma mes est où quand commande je voudrais veux avec pour une des "
                    "du bonjour merci comment suis pas ne vous nous".split()),
    "de": frozenset("der die das ist wo wann meine mein bestellung ich möchte mit für und nicht "
                    "hallo danke wie sie wir ein eine bitte".split()),
    "it": frozenset("il lo gli è dov'è dove quando mio mia ordine voglio vorrei con per una ciao "
                    "grazie come sono non".split()),
    "pt": frozenset("o os meu minha é está onde quando pedido quero gostaria com para uma olá "
                    "obrigado obrigada como não".split()),
    "nl": frozenset("de het is waar wanneer mijn bestelling ik wil graag met voor een niet hallo "
                    "bedankt hoe".split()),
}
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@dataclass(frozen=True)
class LanguageGuess:
    code: str  # "en", a foreign code, "non-latin", or "unknown" (no letters)
    supported: bool


def detect_language(text: str) -> LanguageGuess:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return LanguageGuess("unknown", True)
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    if latin / len(letters) < 0.5:
        return LanguageGuess("non-latin", False)
    words = [w.lower() for w in _WORDS.findall(text)]
    english = sum(1 for w in words if w in ENGLISH)
    best_code, best_hits = "en", 0
    for code, vocabulary in FOREIGN.items():
        hits = sum(1 for w in words if w in vocabulary and w not in ENGLISH)
        if hits > best_hits:
            best_code, best_hits = code, hits
    if best_hits >= 2 and best_hits > 2 * english:
        return LanguageGuess(best_code, False)
    return LanguageGuess("en", True)
