"""Rasa's event stream (RabbitMQ): analytics and agent notifications."""
