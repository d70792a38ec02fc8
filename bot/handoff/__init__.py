"""Handing conversations to people: when (escalation), tickets, agents and their console."""
