-- Runs once, when the PostgreSQL volume is new (docker-compose.yml): the CRM gets a database
-- of its own next to Rasa's tracker store ($POSTGRES_DB), owned by the same user.
-- Its tables are made by `python -m bot crm migrate`, not here.
CREATE DATABASE crm;
