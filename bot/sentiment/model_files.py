"""Where a trained sentiment model comes from outside the Rasa server (CLI, benchmarks).

First choice: the model inside the trained Rasa archive (`models/assistant.tar.gz`),
so the command line and the server always score alike. Without one (no `make train`
yet, or an archive from before the SentimentAnalyzer existed): a standalone model
trained from the TSV and cached at `models/sentiment.joblib`, retrained whenever the
TSV changes.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tarfile
from pathlib import Path
from typing import Optional, Tuple

from bot.sentiment.scorer import SentimentScorer, load_labelled
from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

RASA_MODEL_PATH = PROJECT_ROOT / "models" / "assistant.tar.gz"
STANDALONE_MODEL_PATH = PROJECT_ROOT / "models" / "sentiment.joblib"
DATA_PATH = PROJECT_ROOT / "data" / "sentiment" / "support_sentiment.tsv"
ARCHIVE_MEMBER = "sentiment.joblib"


def scorer_from_rasa_model(archive: Path) -> Optional[SentimentScorer]:
    """The SentimentAnalyzer's model inside a Rasa model archive, or None if it has none."""
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and Path(member.name).name == ARCHIVE_MEMBER:
                handle = tar.extractfile(member)
                return SentimentScorer.load(io.BytesIO(handle.read())) if handle else None
    return None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def standalone_scorer(data_path: Path = DATA_PATH, cache_path: Path = STANDALONE_MODEL_PATH) -> SentimentScorer:
    """A model trained from the TSV, cached next to the Rasa model until the TSV changes."""
    digest = _digest(data_path)
    stamp = cache_path.with_suffix(".sha256")
    if cache_path.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return SentimentScorer.load(cache_path)
    logger.info("Training the standalone sentiment model from %s ...", data_path)
    texts, labels = load_labelled(data_path)
    scorer = SentimentScorer.train(texts, labels)
    scorer.save(cache_path)
    stamp.write_text(digest + "\n")
    return scorer


def find_scorer(model: Optional[Path] = None) -> Tuple[SentimentScorer, str]:
    """The scorer to use and a description of where it came from.

    `model`: a Rasa archive (.tar.gz) or a saved scorer (.joblib); default: the
    trained Rasa model, else the standalone model.
    """
    if model is not None:
        if model.name.endswith(".tar.gz"):
            scorer = scorer_from_rasa_model(model)
            if scorer is None:
                raise ValueError(f"{model} has no SentimentAnalyzer model: retrain it (make train).")
            return scorer, str(model)
        return SentimentScorer.load(model), str(model)
    if RASA_MODEL_PATH.exists():
        scorer = scorer_from_rasa_model(RASA_MODEL_PATH)
        if scorer is not None:
            return scorer, str(RASA_MODEL_PATH.relative_to(PROJECT_ROOT))
        logger.warning("%s has no sentiment model (trained before it existed).", RASA_MODEL_PATH.name)
    return standalone_scorer(), str(STANDALONE_MODEL_PATH.relative_to(PROJECT_ROOT))

