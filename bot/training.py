"""Train the Rasa model only when something it is built from has changed.

The fingerprint covers the training data, domain, config, our NLU components and
the CRM catalogue (the catalogue entity extractor reads it at training time,
which Rasa's own cache cannot see). Same fingerprint, no training.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, Optional

from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

MODEL_NAME = "assistant"
MODEL_PATH = PROJECT_ROOT / "models" / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_PATH = PROJECT_ROOT / "models" / ".fingerprint"


def _files(root: Path, patterns: Iterable[str]) -> list:
    return sorted(path for pattern in patterns for path in root.glob(pattern) if path.is_file())


def catalogue_fingerprint(database_url: Optional[str] = None) -> str:
    from bot.crm.database import get_database
    from bot.crm.errors import CrmUnavailable
    from bot.crm.store import CrmStore

    try:
        names, categories = CrmStore(get_database(database_url)).catalogue_terms()
    except CrmUnavailable:
        return "catalogue-unavailable"
    return hashlib.sha256("\n".join(names + ["--"] + categories).encode()).hexdigest()


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    inputs = _files(root, ["config.yml", "domain.yml", "data/**/*.yml", "data/**/*.tsv", "bot/nlu/*.py", "bot/sentiment/*.py"])
    for path in inputs:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    digest.update(catalogue_fingerprint().encode())
    return digest.hexdigest()


def train(force: bool = False) -> bool:
    """Train if needed; True when a new model was trained."""
    current = fingerprint()
    if (
        not force
        and MODEL_PATH.exists()
        and FINGERPRINT_PATH.exists()
        and FINGERPRINT_PATH.read_text().strip() == current
    ):
        print(f"Model {MODEL_PATH.relative_to(PROJECT_ROOT)} is up to date.")
        return False
    print("Training the Rasa model...")
    started = time.perf_counter()
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", "models", "--fixed-model-name", MODEL_NAME, "--force", "--quiet",
    ]
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    subprocess.run(command, cwd=PROJECT_ROOT, env=environment, check=True)
    FINGERPRINT_PATH.write_text(current + "\n")
    print(f"Trained {MODEL_PATH.relative_to(PROJECT_ROOT)} in {time.perf_counter() - started:.0f} s.")
    return True


def train_recommender() -> None:
    """Fit the recommender on the CRM's orders (seconds); the action server picks it up."""
    from bot.recommend.service import train_command
    from bot.settings import get_settings

    report = train_command(get_settings().database_url)
    print(f"Recommender model {report.get('version')} trained ({report.get('seconds', '?')} s).")
