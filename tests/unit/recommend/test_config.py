"""The `recommendations:` section of support.yml."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.recommend.config import BlendParams, ModelParams, config_from_mapping, load_config


def test_support_yml_holds_the_tuned_defaults() -> None:
    config = load_config({})
    assert config.blend == BlendParams()
    assert config.model == ModelParams()


def test_values_and_model_folder_come_from_the_section_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "support.yml"
    path.write_text(
        "recommendations:\n"
        "  weights: {buy_again: 2, popularity: 0.5}\n"
        "  max_per_category: 2\n"
        "  similar_to: {content: 0.9, item_cf: 0.1}\n"
        "  model: {cf_weighting: bm25, cf_neighbours: 20}\n",
        encoding="utf-8",
    )
    config = load_config({"SUPPORT_CONFIG": str(path), "RECOMMENDER_MODEL_DIR": str(tmp_path / "m")})
    assert config.blend.weights == {"buy_again": 2.0, "popularity": 0.5}
    assert config.blend.weight("item_cf") == 0.0
    assert config.blend.max_per_category == 2 and config.blend.similar_content_weight == 0.9
    assert config.model.cf_weighting == "bm25" and config.model.cf_neighbours == 20
    assert config.model_dir == tmp_path / "m"


@pytest.mark.parametrize(
    "section",
    [
        {"wieghts": {"buy_again": 1}},
        {"model": {"cf_shrink": 3}},
        {"weights": {"magic": 1}},
        {"weights": {"buy_again": -1}},
        {"model": {"cf_weighting": "bm26"}},
    ],
)
def test_mistakes_in_the_section_are_refused(section: dict) -> None:
    with pytest.raises(ValueError):
        config_from_mapping(section)
