"""milestone keys, retired milestones, disputed dates, closed plans

Revision ID: 0005_milestone_keys
Revises: 0004_digests
Create Date: 2026-12-01 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models


revision = '0005_milestone_keys'
down_revision = '0004_digests'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('retired_at', db.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('disputed_due', sa.Date(), nullable=True))

    # Existing milestones get the keys the importer would give them, item by item in their order.
    connection = op.get_bind()
    milestone = sa.table('milestone', sa.column('id'), sa.column('item_id'), sa.column('position'),
                         sa.column('label'), sa.column('kind'), sa.column('key'))
    by_item: dict[int, list[tuple[int, str | None, str]]] = {}
    for id_, item_id, label, kind in connection.execute(
            sa.select(milestone.c.id, milestone.c.item_id, milestone.c.label, milestone.c.kind)
            .order_by(milestone.c.item_id, milestone.c.position, milestone.c.id)):
        by_item.setdefault(item_id, []).append((id_, label, kind))
    updates = [{"row_id": id_, "new_key": key}
               for rows in by_item.values()
               for (id_, _, _), key in zip(rows, db.models.milestone_keys(
                   (label, kind) for _, label, kind in rows))]
    if updates:
        connection.execute(milestone.update().where(milestone.c.id == sa.bindparam("row_id"))
                           .values(key=sa.bindparam("new_key")), updates)

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=320), nullable=False)
        batch_op.drop_constraint('uq_milestone_item_position', type_='unique')
        batch_op.create_unique_constraint('uq_milestone_item_key', ['item_id', 'key'])

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', db.models.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conflicts', sa.JSON(), nullable=True))
    op.execute("UPDATE import_run SET conflicts = '[]'")
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.alter_column('conflicts', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_column('conflicts')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
    # Positions are renumbered, retired milestones last, so the old unique rule holds again.
    connection = op.get_bind()
    milestone = sa.table('milestone', sa.column('id'), sa.column('item_id'), sa.column('position'),
                         sa.column('retired_at'))
    rows = connection.execute(sa.select(milestone.c.id, milestone.c.item_id).order_by(
        milestone.c.item_id, milestone.c.retired_at.is_not(None), milestone.c.position,
        milestone.c.id)).all()
    seen: dict[int, int] = {}
    updates = []
    for id_, item_id in rows:
        seen[item_id] = seen.get(item_id, -1) + 1
        updates.append({"row_id": id_, "new_position": seen[item_id]})
    if updates:
        connection.execute(milestone.update().where(milestone.c.id == sa.bindparam("row_id"))
                           .values(position=sa.bindparam("new_position")), updates)
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_constraint('uq_milestone_item_key', type_='unique')
        batch_op.create_unique_constraint('uq_milestone_item_position', ['item_id', 'position'])
        batch_op.drop_column('disputed_due')
        batch_op.drop_column('retired_at')
        batch_op.drop_column('key')
