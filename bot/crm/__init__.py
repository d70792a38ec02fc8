"""The CRM store: customers, catalogue, orders, returns (SQLAlchemy)."""
