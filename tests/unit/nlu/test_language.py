"""Telling English from languages the assistant does not speak."""

from __future__ import annotations

import pytest

from bot.nlu.language import detect_language


@pytest.mark.parametrize(
    "text",
    ["where is my order", "hola, where is my order ORD-123456?", "cancel it", "ok", "merci, bye",
     "my address is Calle de la Paz 5", "ORD-104233", "thx!!"],
)
def test_english_and_mixed_messages_are_supported(text: str) -> None:
    assert detect_language(text).supported


@pytest.mark.parametrize(
    "text, code",
    [("¿Dónde está mi pedido?", "es"), ("Où est ma commande ?", "fr"), ("Wo ist meine Bestellung?", "de"),
     ("Dov'è il mio ordine?", "it"), ("Onde está o meu pedido?", "pt"), ("我的订单在哪里", "non-latin"),
     ("Где мой заказ?", "non-latin")],
)
def test_other_languages_are_recognised(text: str, code: str) -> None:
    guess = detect_language(text)
    assert (guess.code, guess.supported) == (code, False)


def test_text_without_letters_is_left_to_the_classifier() -> None:
    assert detect_language("🙂🙂🙂").code == "unknown"
    assert detect_language("").supported
