"""What the channels let through to Rasa (found by `python -m bot bench fuzz`)."""

from __future__ import annotations

from bot.channels.sanitize import MAX_SENDER_CHARS, clean_metadata, clean_sender, clean_text


def test_lone_surrogates_become_replacement_characters() -> None:
    # JSON may carry "\ud800"; spaCy and the tokenizers raise on text UTF-8 cannot encode.
    text = clean_text("order \ud800 status \udfff")
    assert text == "order \ufffd status \ufffd"
    text.encode("utf-8")


def test_valid_surrogate_pairs_and_emoji_survive() -> None:
    assert clean_text("\ud83d\ude00 where is it 📦") == "😀 where is it 📦"


def test_control_characters_go_but_newlines_stay() -> None:
    assert clean_text("a\x00b\x1b[31m\tc\nd") == "ab[31m\tc\nd"


def test_sender_loses_nul_and_surrogates_and_may_become_missing() -> None:
    assert clean_sender("fuzz\x00-1") == "fuzz-1"
    assert clean_sender("\ud800abc") == "\ufffdabc"
    assert clean_sender(" \x00 ") is None
    for not_text in [42, 1.5, True, None, ["a"], {"id": 1}]:
        assert clean_sender(not_text) is None


def test_a_long_sender_is_refused_not_cut_into_someone_elses_conversation() -> None:
    assert clean_sender("a" * MAX_SENDER_CHARS) == "a" * MAX_SENDER_CHARS
    assert clean_sender("a" * MAX_SENDER_CHARS + "-customer-2") is None


def test_metadata_that_is_not_an_object_becomes_empty() -> None:
    assert clean_metadata("not json") == {}
    assert clean_metadata([1, 2]) == {}
    assert clean_metadata('{"customer_token": "t"}') == {"customer_token": "t"}
