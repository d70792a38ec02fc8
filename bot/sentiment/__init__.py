"""Sentiment of customer messages (score in [-1, 1] and a label), used to hand frustrated customers to agents."""

from bot.sentiment.scorer import LABELS, SentimentResult, SentimentScorer, load_labelled

__all__ = ["LABELS", "SentimentResult", "SentimentScorer", "load_labelled"]
