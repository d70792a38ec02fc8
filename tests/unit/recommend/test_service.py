"""Training, saving, and the action server's service that picks up newer models."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from sqlalchemy import insert

from bot.crm.database import Database
from bot.crm.models import Product
from bot.recommend.config import RecommendationConfig
from bot.recommend.errors import ModelNotFound
from bot.recommend.service import LATEST, RecommenderService, train_command

from .conftest import ADA, build_shop


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_train_command_saves_a_model_and_points_latest_at_it(database: Database, tmp_path: Path) -> None:
    build_shop(database)
    report = train_command(database.url, tmp_path / "models")
    saved = Path(report["path"])
    assert saved.is_file() and saved.name == f"recommender-{report['version']}.joblib"
    assert (tmp_path / "models" / LATEST).read_text().strip() == saved.name
    assert report["products"] == 11 and report["orders"] > 0 and report["seconds"] >= report["fit_seconds"]


def test_service_picks_up_a_newer_model_when_latest_changes(database: Database, tmp_path: Path) -> None:
    build_shop(database)
    models = tmp_path / "models"
    first = train_command(database.url, models)["version"]
    clock = Clock()
    config = RecommendationConfig(model_dir=models, reload_check_seconds=5)
    service = RecommenderService(database, config, train_if_missing=False, clock=clock)
    assert service.recommend(ADA, k=3) and service.version == first

    with database.session() as session:
        session.execute(insert(Product), [{"id": 50, "sku": "NEW-1", "name": "Brand New Teapot",
                                           "category": "Kitchen", "description": "", "price": 22, "stock": 3}])
    second = train_command(database.url, models)["version"]
    assert second != first
    clock.now += 1  # within the check interval: still the old model, no file system look
    assert service.recommender().model.version == first
    clock.now += 5
    assert service.recommender().model.version == second
    assert service.product("NEW-1").name == "Brand New Teapot"


def test_older_models_are_pruned(database: Database, tmp_path: Path) -> None:
    build_shop(database)
    versions: List[str] = [train_command(database.url, tmp_path)["version"] for _ in range(4)]
    kept = sorted(path.name for path in tmp_path.glob("recommender-*.joblib"))
    assert kept == [f"recommender-{version}.joblib" for version in versions[-3:]]


def test_without_a_model_the_service_fits_one_in_memory_or_says_so(database: Database, tmp_path: Path) -> None:
    build_shop(database)
    config = RecommendationConfig(model_dir=tmp_path / "none-yet")
    assert RecommenderService(database, config).recommend(None, k=2)
    with pytest.raises(ModelNotFound):
        RecommenderService(database, config, train_if_missing=False).recommend(None)


def test_a_broken_newer_model_keeps_the_current_one(database: Database, tmp_path: Path) -> None:
    build_shop(database)
    first = train_command(database.url, tmp_path)["version"]
    clock = Clock()
    service = RecommenderService(database, RecommendationConfig(model_dir=tmp_path), clock=clock)
    assert service.recommender().model.version == first
    (tmp_path / "recommender-broken.joblib").write_bytes(b"not a model")
    (tmp_path / LATEST).write_text("recommender-broken.joblib\n")
    clock.now += 60
    assert service.recommender().model.version == first
