"""Text features for the sentiment scorer: normalised tokens with negation marks, and tone cues.

Why hand-made features next to n-grams and the sentence encoder: a few thousand
examples cannot teach a model that "not happy" is the opposite of "happy", that
"WHERE IS MY ORDER???" is angrier than "where is my order?", or that "sooo slow" is
worse than "slow". Negation marking turns "not happy at all" into
`not NEG_happy NEG_at NEG_all`, so the n-gram model sees a different word; the cue
vector measures shouting, repeated punctuation, profanity, intensifiers, elongated
words, emoji and praise next to a problem (sarcasm) directly. All of it is regular
expressions and word lists: tens of microseconds a message, no model to load. The
optional lexicon block calls VADER (vaderSentiment), a rule-based scorer.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Sequence

import numpy as np

NEGATION_PREFIX = "NEG_"

# Links, handles, emails and order or phone numbers say nothing about tone; mapping
# them to placeholders keeps thousands of one-off strings out of the vocabulary.
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_MENTION = re.compile(r"@\w+")
# Order, tracking and phone numbers: three digits or more ("3 weeks", "10/10" stay).
_NUMBER = re.compile(r"(?<!\w)#?[a-z]*-?\d[\w-]*", re.IGNORECASE)

# Words (with an inner apostrophe: "can't", "i'm"), runs of ! and ?, single
# punctuation marks, and any other non-space character (emoji, one at a time).
_TOKEN = re.compile(r"_[a-z]+_|[a-z]+(?:['’][a-z]+)*|\d+|[!?]+|[.,;:]|[^\sa-z\d]", re.IGNORECASE)
_VARIATION_SELECTOR = re.compile("[\ufe0f\u200d]")

_NEGATORS = frozenset(
    """not no never without nobody nothing none nor neither nowhere cannot
    dont doesnt didnt cant couldnt wont wouldnt isnt wasnt arent werent havent hasnt
    hadnt shouldnt aint""".split()
)
# Negation scope ends at punctuation or at a contrast ("not cheap but lovely").
_SCOPE_ENDS = frozenset(".,;:!?") | {"but", "though", "although", "however"}

PROFANITY = frozenset(
    """shit shitty bullshit crap crappy damn damned dammit goddamn hell wtf ffs fck fuck
    fucking fucked fucks effing bloody piss pissed arse ass asshole bastard bollocks
    jfc omfg stfu sod bs""".split()
)
INTENSIFIERS = frozenset(
    """so very really absolutely totally completely extremely super seriously literally
    utterly incredibly such too beyond truly highly insanely ridiculously""".split()
)
NEGATIVE_EMOJI = frozenset("😡🤬😤😠😞😢😭😩😫😒🙄👎💩😑😖😣☹🙁😕😟😔🤮😱😓😪💔🤦😐")
POSITIVE_EMOJI = frozenset("😊😃😄😁😍🥰😘❤💕💖💙💚💜👍👌🙏🎉🙌😀🙂☺✨⭐🤩💯👏🥳😎🤗🌟")
POSITIVE_EMOJI_TOKEN = "_posemoji_"
NEGATIVE_EMOJI_TOKEN = "_negemoji_"
_NEGATIVE_EMOTICON = re.compile(r"(?:^|\s)[:;=]-?[(\[/\\|]|(?:^|\s)d-?:", re.IGNORECASE)
_POSITIVE_EMOTICON = re.compile(r"(?:^|\s)[:;=]-?[)\]dp]|(?:^|\s)\^_?\^|<3", re.IGNORECASE)
# Sarcasm mostly praises a problem ("great, another delay"): a praise word and a
# problem word in one message is a cue a linear model cannot build from either alone.
PRAISE = frozenset(
    """great brilliant perfect fantastic wonderful lovely nice super amazing awesome love loving
    thanks thank cheers excellent fab cool impressive impressed best glad""".split()
)
PROBLEMS = frozenset(
    """delay delayed delays late lost wrong broken broke nothing again still waiting wait another
    missing cancelled damaged excuse excuses ignored ignoring ruin ruined ruining crashes crashed
    weeks months hours useless""".split()
)
_ELONGATED = re.compile(r"([a-z])\1{2,}", re.IGNORECASE)

CUE_NAMES: List[str] = [
    "upper_share",
    "shouted_words",
    "exclamations",
    "questions",
    "mixed_marks",
    "profanity",
    "intensifiers",
    "elongated",
    "negative_emoji",
    "positive_emoji",
    "negations",
    "praise_with_problem",
]


def normalise(text: str) -> str:
    """Lower-cased text with URLs, emails, @handles and numbers replaced by placeholders."""
    text = _VARIATION_SELECTOR.sub("", text or "")
    text = _URL.sub(" _url_ ", text)
    text = _EMAIL.sub(" _email_ ", text)
    text = _MENTION.sub(" _user_ ", text)
    text = _NUMBER.sub(_number_placeholder, text)
    text = _POSITIVE_EMOTICON.sub(f" {POSITIVE_EMOJI_TOKEN} ", text)
    text = _NEGATIVE_EMOTICON.sub(f" {NEGATIVE_EMOJI_TOKEN} ", text)
    return text.lower()


def _number_placeholder(match: re.Match) -> str:
    token = match.group(0)
    return " _num_ " if sum(ch.isdigit() for ch in token) >= 3 else token


def tokenize(text: str) -> List[str]:
    """Tokens of the normalised text; runs of "!" or "?" collapse to one or two marks.

    Each emoji is followed by its class token, so the few examples of 🥰 or 🤬 lend
    their weight to every positive or negative emoji.
    """
    tokens = []
    for token in _TOKEN.findall(normalise(text)):
        if token[0] in "!?":
            token = token[:2] if len(token) > 1 else token
        tokens.append(token.replace("’", "'"))
        if token in POSITIVE_EMOJI:
            tokens.append(POSITIVE_EMOJI_TOKEN)
        elif token in NEGATIVE_EMOJI:
            tokens.append(NEGATIVE_EMOJI_TOKEN)
    return tokens


def is_negator(token: str) -> bool:
    return token in _NEGATORS or token.endswith("n't")


def mark_negation(tokens: Sequence[str]) -> List[str]:
    """Prefix the words after a negator with NEG_ until punctuation or "but"."""
    marked: List[str] = []
    negated = False
    for token in tokens:
        if token in _SCOPE_ENDS:
            negated = False
            marked.append(token)
        elif is_negator(token):
            negated = True
            marked.append(token)
        elif negated and token[0].isalpha():
            marked.append(NEGATION_PREFIX + token)
        else:
            marked.append(token)
    return marked


def negation_marked(text: str) -> str:
    """The text as space-separated, negation-marked tokens (the word n-gram input)."""
    return " ".join(mark_negation(tokenize(text)))


def cues(text: str) -> Dict[str, float]:
    """Tone cues of one message, each scaled to [0, 1]."""
    text = text or ""
    # Codes such as "ORD-104233" or "SW1A 1AA" are upper case without shouting.
    stripped = _NUMBER.sub(" ", _MENTION.sub(" ", _EMAIL.sub(" ", _URL.sub(" ", text))))
    letters = [ch for ch in stripped if ch.isalpha()]
    uppers = sum(ch.isupper() for ch in letters)
    # A lone "I" or "OK" is not shouting: the share counts only with enough letters.
    upper_share = uppers / len(letters) if len(letters) >= 4 else 0.0
    shouted = sum(1 for word in re.findall(r"[A-Za-z]{3,}", stripped) if word.isupper())
    words = [t for t in tokenize(text) if t[0].isalpha()]
    emoji = [ch for ch in text if ch in NEGATIVE_EMOJI or ch in POSITIVE_EMOJI]
    values = {
        "upper_share": upper_share,
        "shouted_words": min(shouted, 3) / 3,
        "exclamations": min(len(re.findall(r"!{2,}", text)) + 0.5 * text.count("!"), 3) / 3,
        "questions": min(len(re.findall(r"\?{2,}", text)), 2) / 2,
        "mixed_marks": 1.0 if re.search(r"[!?]*(?:\?!|!\?)[!?]*", text) else 0.0,
        "profanity": min(sum(w in PROFANITY for w in words), 2) / 2,
        "intensifiers": min(sum(w in INTENSIFIERS for w in words), 3) / 3,
        "elongated": min(len(_ELONGATED.findall(stripped)), 2) / 2,
        "negative_emoji": min(
            sum(ch in NEGATIVE_EMOJI for ch in emoji) + len(_NEGATIVE_EMOTICON.findall(stripped)), 2
        ) / 2,
        "positive_emoji": min(
            sum(ch in POSITIVE_EMOJI for ch in emoji) + len(_POSITIVE_EMOTICON.findall(stripped)), 2
        ) / 2,
        "negations": min(sum(is_negator(w) for w in words), 2) / 2,
        "praise_with_problem": float(any(w in PRAISE for w in words) and any(w in PROBLEMS for w in words)),
    }
    return values


def cue_matrix(texts: Iterable[str]) -> np.ndarray:
    """One row of CUE_NAMES values per text."""
    rows = [[row[name] for name in CUE_NAMES] for row in map(cues, texts)]
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(CUE_NAMES))


LEXICON_NAMES: List[str] = ["vader_negative", "vader_neutral", "vader_positive", "vader_compound"]
LEXICON_MAX_CHARS = 1000


def lexicon_matrix(texts: Iterable[str]) -> np.ndarray:
    """VADER's polarity scores (a general-purpose sentiment lexicon, MIT) per text.

    Imported only when a model was trained with `use_lexicon`: vaderSentiment is a
    runtime dependency of such a model and of nothing else.
    """
    analyzer = _vader()
    rows = []
    for text in texts:
        # VADER's negation check is quadratic in the words (each emoji becomes several):
        # 2,000 emoji took 3 s of the Rasa server's event loop. The opening says enough.
        scores = analyzer.polarity_scores((text or "")[:LEXICON_MAX_CHARS])
        rows.append([scores["neg"], scores["neu"], scores["pos"], scores["compound"]])
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(LEXICON_NAMES))


_analyzer = None


def _vader():  # type: ignore[no-untyped-def]
    global _analyzer
    if _analyzer is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _analyzer = SentimentIntensityAnalyzer()
    return _analyzer
