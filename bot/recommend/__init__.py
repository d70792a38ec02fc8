"""Product recommendations for the assistant: "what should I buy?", "something like X",
"what goes with my last order".

Layout follows the data flow: `data` reads the CRM, `model` fits the item-side
artifacts, `rerank` holds the optional learned re-ranker and `learn` trains it on top
of the model, `recommender` blends, filters and explains, `service` serves the action
server and trains, `evaluate` measures on the CRM's own order history.
"""

from bot.recommend.config import BlendParams, ModelParams, RecommendationConfig, load_config
from bot.recommend.errors import IncompatibleModel, ModelNotFound, ProductNotFound, RecommenderError
from bot.recommend.evaluate import evaluate_command
from bot.recommend.recommender import Recommendation, Recommendations, Recommender
from bot.recommend.service import RecommenderService, train_command

__all__ = [
    "BlendParams",
    "IncompatibleModel",
    "ModelNotFound",
    "ModelParams",
    "ProductNotFound",
    "RecommendationConfig",
    "Recommendation",
    "Recommendations",
    "Recommender",
    "RecommenderError",
    "RecommenderService",
    "evaluate_command",
    "load_config",
    "train_command",
]
