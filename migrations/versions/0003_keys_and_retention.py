"""keys and retention: api key names, runs.events_pruned_at

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 01:24:40.222595
"""

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# recreate="never": plain ALTER TABLE on SQLite too. Rebuilding `runs` would drop it with foreign keys on, and
# ON DELETE CASCADE would empty run_events.


def upgrade() -> None:
    """Apply this revision (in the migration's transaction: PostgreSQL DDL is transactional)."""
    with op.batch_alter_table("api_keys", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=100), nullable=True))

    with op.batch_alter_table("runs", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("events_pruned_at", sa.DateTimeUTC(timezone=True), nullable=True))
        batch_op.create_index("ix_runs_finished_at", ["finished_at"], unique=False)


def downgrade() -> None:
    """Revert this revision (SQLite 3.35+ drops columns in place)."""
    with op.batch_alter_table("runs", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_runs_finished_at")
        batch_op.drop_column("events_pruned_at")

    with op.batch_alter_table("api_keys", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("name")
