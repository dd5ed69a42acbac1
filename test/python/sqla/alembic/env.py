"""Alembic's environment for TestSQLAlchemyAlembic: online migrations of
models.build("al_") with types and server defaults compared."""
from alembic import context
from sqlalchemy import create_engine

from models import build, url

target_metadata = build("al_")


def include_name(name, type_, parent_names):
    return type_ != "table" or name.startswith("al_")


engine = create_engine(url(), future=True)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=target_metadata, include_name=include_name,
                      compare_type=True, compare_server_default=True)
    with context.begin_transaction():
        context.run_migrations()
