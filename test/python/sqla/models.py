"""The schema of the SQLAlchemy and Alembic suite (TestSQLAlchemyAlembic):
foreign keys single and composite, with ON DELETE actions, indexes
(unique and not, on several columns), named and unnamed unique
constraints. build(prefix) makes a fresh MetaData whose table names start
with prefix: create_all and Alembic each get their own tables."""
import os

from sqlalchemy import (
    BigInteger, Boolean, Column, DateTime, ForeignKey, ForeignKeyConstraint, Index, Integer, MetaData,
    Numeric, String, Table, Text, UniqueConstraint, func,
)
from sqlalchemy.dialects.postgresql import JSONB

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def url():
    """The database of the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE)."""
    e = os.environ
    return "postgresql+psycopg2://%s@%s:%s/%s" % (e["PGUSER"], e["PGHOST"], e["PGPORT"], e["PGDATABASE"])


def build(prefix):
    md = MetaData(naming_convention=NAMING)
    Table(
        prefix + "customer", md,
        Column("id", Integer, primary_key=True),
        Column("email", String(200), nullable=False, unique=True),
        Column("name", Text, nullable=False, index=True),
        Column("active", Boolean, nullable=False, server_default="true"),
        Column("created", DateTime(timezone=True), server_default=func.now()),
    )
    Table(
        prefix + "region", md,
        Column("country", String(2), primary_key=True),
        Column("code", String(10), primary_key=True),
        Column("name", Text),
    )
    Table(
        prefix + "orders", md,
        Column("id", BigInteger, primary_key=True),
        Column("customer_id", Integer, ForeignKey(prefix + "customer.id", ondelete="CASCADE"), nullable=False),
        Column("country", String(2)),
        Column("region_code", String(10)),
        Column("total", Numeric(12, 2)),
        Column("attrs", JSONB),
        ForeignKeyConstraint(["country", "region_code"], [prefix + "region.country", prefix + "region.code"],
                             ondelete="SET NULL", onupdate="CASCADE"),
        UniqueConstraint("customer_id", "total", name=prefix + "orders_customer_total"),
        Index(prefix + "orders_by_region", "country", "region_code"),
    )
    Table(
        prefix + "order_line", md,
        Column("order_id", BigInteger, ForeignKey(prefix + "orders.id", ondelete="CASCADE"), primary_key=True),
        Column("line", Integer, primary_key=True),
        Column("sku", String(40), nullable=False),
        Column("qty", Integer, nullable=False, server_default="1"),
        Index(prefix + "order_line_sku", "sku", unique=True),
    )
    return md
