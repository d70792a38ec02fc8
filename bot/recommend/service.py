"""The recommender as the action server uses it, and the `train` command that feeds it.

Why: training reads the whole order log and takes seconds to a minute, so it runs
apart (`python -m bot recommend train`, e.g. nightly) and writes
`models/recommender/recommender-<version>.joblib` plus a `LATEST` file naming it.
The action server keeps one `RecommenderService`: it loads the model LATEST names
once, looks at LATEST again at most every `reload_check_seconds`, and swaps in a
newer model without a restart. Customers' own orders are always read live, so a
model a day old still knows what a customer bought a minute ago.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple, Union

from bot.crm.database import Database, get_database
from bot.recommend.config import RecommendationConfig, load_config
from bot.recommend.data import CrmReader, ProductInfo, read_training_data
from bot.recommend.errors import ModelNotFound, RecommenderError
from bot.recommend.learn import fit_recommender
from bot.recommend.model import RecommenderModel
from bot.recommend.recommender import Price, Recommendations, Recommender

logger = logging.getLogger(__name__)

LATEST = "LATEST"
MODEL_PREFIX = "recommender-"
MODEL_SUFFIX = ".joblib"
# Older model files kept next to the current one (a rollback is "write its name into LATEST").
KEEP_PREVIOUS = 2

_Stamp = Tuple[int, int, int]


def model_filename(version: str) -> str:
    return f"{MODEL_PREFIX}{version}{MODEL_SUFFIX}"


def write_latest(model_dir: Path, filename: str) -> None:
    """Point LATEST at `filename` atomically, so readers never see a half-written name."""
    handle, temporary = tempfile.mkstemp(prefix=".LATEST-", dir=model_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(filename + "\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, model_dir / LATEST)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def latest_model_path(model_dir: Path) -> Optional[Path]:
    """The model LATEST names, else the newest model file, else None."""
    latest = model_dir / LATEST
    if latest.is_file():
        name = latest.read_text(encoding="utf-8").strip()
        # Only a bare file name inside the folder, never a path elsewhere.
        if name and Path(name).name == name and (model_dir / name).is_file():
            return model_dir / name
        logger.error("recommender LATEST names a missing model: %r", name)
    models = sorted(model_dir.glob(f"{MODEL_PREFIX}*{MODEL_SUFFIX}"))
    return models[-1] if models else None


class RecommenderService:
    """One per action server: the current `Recommender`, reloaded when a newer model appears.

    `train_if_missing`: with no model on disk, fit one in memory from the CRM (seconds
    for a demo shop) instead of failing; it is not saved.
    """

    def __init__(
        self,
        database: Optional[Database] = None,
        config: Optional[RecommendationConfig] = None,
        train_if_missing: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database or get_database()
        self.config = config or load_config()
        self.model_dir = Path(self.config.model_dir)
        self.reader = CrmReader(self.database)
        self.train_if_missing = train_if_missing
        self._clock = clock
        self._lock = threading.Lock()
        self._recommender: Optional[Recommender] = None
        self._stamp: Optional[_Stamp] = None
        self._checked_at: Optional[float] = None

    @property
    def version(self) -> Optional[str]:
        """Version of the model in use (None before the first request)."""
        return self._recommender.model.version if self._recommender else None

    def recommender(self) -> Recommender:
        """The current recommender; checks LATEST at most every `reload_check_seconds`."""
        now = self._clock()
        checked = self._checked_at
        if self._recommender is None or checked is None or now - checked >= self.config.reload_check_seconds:
            with self._lock:
                if self._checked_at == checked:  # nobody refreshed while this thread waited
                    self._checked_at = now
                    self._refresh()
        if self._recommender is None:
            raise ModelNotFound(f"no recommender model in {self.model_dir}; run `python -m bot recommend train`")
        return self._recommender

    def recommend(
        self,
        customer_id: Optional[int],
        k: int = 5,
        category: Optional[str] = None,
        max_price: Optional[Price] = None,
        min_price: Optional[Price] = None,
    ) -> Recommendations:
        return self.recommender().recommend(customer_id, k, category, max_price, min_price)

    def similar_to(self, product: Union[int, str], k: int = 5, customer_id: Optional[int] = None) -> Recommendations:
        return self.recommender().similar_to(product, k, customer_id)

    def complements(self, customer_id: int, k: int = 5) -> Recommendations:
        return self.recommender().complements(customer_id, k)

    def find(self, text: str) -> ProductInfo:
        """The product a customer's words name; `ProductNotFound` if none."""
        return self.recommender().find(text)

    def product(self, sku: str) -> ProductInfo:
        return self.recommender().product(sku)

    def _refresh(self) -> None:
        stamp = _stamp(self.model_dir / LATEST)
        if self._recommender is not None and stamp == self._stamp:
            return
        path = latest_model_path(self.model_dir) if self.model_dir.is_dir() else None
        if path is None:
            if self._recommender is None and self.train_if_missing:
                logger.warning("no recommender model in %s: fitting one in memory", self.model_dir)
                catalogue, log = self.reader.catalogue(), self.reader.order_log()
                self._use(fit_recommender(catalogue, log, self.config.model, self.config.blend))
            self._stamp = stamp
            return
        if self._recommender is not None and path.name == model_filename(self._recommender.model.version):
            self._stamp = stamp
            return
        try:
            model = RecommenderModel.load(path)
        except (OSError, EOFError, ValueError, TypeError, KeyError, RecommenderError) as error:
            # Keep serving the current model; try again when LATEST changes.
            logger.error("cannot load recommender model %s: %s", path.name, error)
            self._stamp = stamp
            return
        self._use(model)
        self._stamp = stamp
        logger.info("recommender model %s loaded (%s products)", model.version, len(model))

    def _use(self, model: RecommenderModel) -> None:
        self._recommender = Recommender(model, self.reader, self.config.blend)


def _stamp(path: Path) -> Optional[_Stamp]:
    """What changes when LATEST is replaced: inode (os.replace), mtime and size."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return (status.st_ino, status.st_mtime_ns, status.st_size)


def train_command(database_url: str, out_dir: Optional[Union[str, Path]] = None) -> Dict[str, Any]:
    """`python -m bot recommend train`: fit a model on the CRM, save it, point LATEST at it.

    `out_dir` defaults to the configured model folder (`models/recommender/`). Returns a
    JSON-able report with counts and seconds.
    """
    started = time.perf_counter()
    config = load_config()
    model_dir = Path(out_dir) if out_dir is not None else Path(config.model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    catalogue, log = read_training_data(database_url)
    loaded = time.perf_counter()
    model = fit_recommender(catalogue, log, config.model, config.blend)
    fitted = time.perf_counter()
    filename = model_filename(model.version)
    model.save(model_dir / filename)
    write_latest(model_dir, filename)
    removed = _prune(model_dir, keep=filename)
    finished = time.perf_counter()
    return {
        "version": model.version,
        "path": str(model_dir / filename),
        **{key: model.stats[key] for key in ("products", "customers", "orders", "order_lines", "cf_pairs", "content_pairs")},
        **{key: value for key, value in model.stats.items() if key.startswith("rerank_")},
        "previous_models_removed": removed,
        "load_seconds": round(loaded - started, 3),
        "fit_seconds": round(fitted - loaded, 3),
        "save_seconds": round(finished - fitted, 3),
        "seconds": round(finished - started, 3),
    }


def _prune(model_dir: Path, keep: str) -> int:
    """Delete all but the newest KEEP_PREVIOUS older models; the current one always stays."""
    older = sorted(path for path in model_dir.glob(f"{MODEL_PREFIX}*{MODEL_SUFFIX}") if path.name != keep)
    removed = 0
    for path in older[: max(len(older) - KEEP_PREVIOUS, 0)]:
        path.unlink(missing_ok=True)
        removed += 1
    return removed
