"""Rasa dialogue policies of the assistant (listed by module path in config.yml)."""
