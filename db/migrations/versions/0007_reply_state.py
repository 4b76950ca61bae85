"""reply state: promises and snoozes (ask_on, on_date), undo (before, undone_at), who was told

Revision ID: 0007_reply_state
Revises: 0006_update_keys
Create Date: 2026-12-01 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models


revision = '0007_reply_state'
down_revision = '0006_update_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ask_on', sa.Date(), nullable=True))
    with op.batch_alter_table('item_reply', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('before', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('undone_at', db.models.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_delivery_message_id_message', 'message', ['message_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint('fk_delivery_message_id_message', type_='foreignkey')
        batch_op.drop_column('message_id')
    with op.batch_alter_table('item_reply', schema=None) as batch_op:
        batch_op.drop_column('undone_at')
        batch_op.drop_column('before')
        batch_op.drop_column('on_date')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_column('ask_on')
