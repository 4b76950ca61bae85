"""update keys: each incoming update stored once, with the answer it got

Revision ID: 0006_update_keys
Revises: 0004_digests
Create Date: 2026-12-01 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006_update_keys'
down_revision = '0005_milestone_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Messages stored before this revision keep a NULL key: they are never matched again.
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('update_key', sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column('answer', sa.Text(), nullable=True))
        batch_op.create_unique_constraint('uq_message_update_key', ['update_key'])


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint('uq_message_update_key', type_='unique')
        batch_op.drop_column('answer')
        batch_op.drop_column('update_key')
