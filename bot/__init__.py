"""Customer-support assistant: CRM store, NLU components and services used by Rasa."""

__version__ = "0.1.0"
