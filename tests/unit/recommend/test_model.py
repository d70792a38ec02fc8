"""The item-side model: data it reads, what it learns, how it is saved."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest

from bot.crm.database import Database
from bot.recommend.config import ModelParams
from bot.recommend.data import CrmReader
from bot.recommend.errors import IncompatibleModel
from bot.recommend.model import RecommenderModel, fit

from .conftest import ADA, DEE, Shop, build_shop


def test_order_log_keeps_only_kept_orders_sorted_by_customer_and_time(shop: Shop, database: Database) -> None:
    log = CrmReader(database).order_log()
    assert DEE not in set(log.customer_ids.tolist())
    assert np.all(np.diff(log.customer_ids) >= 0)
    ada = log.placed_at[log.customer_ids == ADA]
    assert np.all(np.diff(ada) >= 0)
    history = CrmReader(database).history(ADA)
    assert [order.product_ids for order in history.orders] == [(1,), (1,), (1, 3)]
    assert CrmReader(database).history(DEE).orders == ()


def test_co_purchases_are_neighbours_and_products_are_not_their_own(shop: Shop) -> None:
    model = shop.model
    hose, nozzle = model.sku_index["GAR-HOS"], model.sku_index["GAR-NOZ"]
    assert model.cf[hose, nozzle] > 0 and model.cf[nozzle, hose] > 0
    assert model.cf.diagonal().sum() == 0 and model.content.diagonal().sum() == 0
    train, blocks = model.sku_index["TOY-TRN"], model.sku_index["TOY-BLK"]
    assert model.content[train, blocks] == model.content[train].max()


def test_popularity_counts_distinct_buyers(shop: Shop) -> None:
    model = shop.model
    # Headphones: 8 buyers (Dee's cancelled order does not count); espresso: 5 buyers, 15 orders.
    assert model.popularity[model.sku_index["ELE-HPH"]] == pytest.approx(1.0)
    assert model.popularity[model.sku_index["PAN-ESP"]] == pytest.approx(5 / 8)
    assert model.trending[model.sku_index["ELE-HPH"]] == pytest.approx(1.0)
    # In the last 7 days: 8 headphone buyers, 1 espresso buyer (Ada), no mug buyer.
    assert model.trending[model.sku_index["PAN-ESP"]] == pytest.approx(1 / 8)
    assert model.trending[model.sku_index["KIT-MUG"]] == 0


def test_propensity_is_smoothed_share_of_customers_who_bought_again(shop: Shop) -> None:
    model = shop.model
    prior = model.params.propensity_prior
    # Chances: espresso 5 (all re-bought), kettle 6 and mug 6 (none re-bought); nothing else had one.
    shop_rate = 5 / 17
    kitchen = (0 + prior * shop_rate) / (12 + prior)
    pantry = (5 + prior * shop_rate) / (5 + prior)
    assert model.propensity[model.sku_index["KIT-KET"]] == pytest.approx((0 + prior * kitchen) / (6 + prior))
    assert model.propensity[model.sku_index["PAN-ESP"]] == pytest.approx((5 + prior * pantry) / (5 + prior))
    # No evidence at all: the category's rate, here the shop's.
    assert model.propensity[model.sku_index["GAR-HOS"]] == pytest.approx(shop_rate)


def test_save_and_load_round_trip(shop: Shop, tmp_path: Path) -> None:
    path = shop.model.save(tmp_path / "models" / "m.joblib")
    loaded = RecommenderModel.load(path)
    assert loaded.version == shop.model.version
    assert loaded.params == shop.model.params
    assert (loaded.cf != shop.model.cf).nnz == 0
    assert loaded.sku_index == shop.model.sku_index
    assert not list(path.parent.glob(".tmp-*"))


def test_a_model_of_another_format_is_refused(tmp_path: Path) -> None:
    joblib.dump({"format": 999}, tmp_path / "old.joblib")
    with pytest.raises(IncompatibleModel):
        RecommenderModel.load(tmp_path / "old.joblib")


def test_fit_on_an_empty_crm(database: Database) -> None:
    build_shop(database, products=(), orders=())
    reader = CrmReader(database)
    model = fit(reader.catalogue(), reader.order_log(), ModelParams())
    assert len(model) == 0 and model.cf.shape == (0, 0)


@pytest.mark.parametrize("weighting", ["bm25", "tfidf", "none"])
def test_every_cf_weighting_finds_the_pair(shop: Shop, database: Database, weighting: str) -> None:
    reader = CrmReader(database)
    model = fit(reader.catalogue(), reader.order_log(), ModelParams(cf_weighting=weighting))
    hose = model.sku_index["GAR-HOS"]
    best = model.cf[hose].toarray().ravel().argmax()
    assert model.catalogue.skus[best] == "GAR-NOZ"
