"""digests

Revision ID: 0004_digests
Revises: 0003_conversations
Create Date: 2026-11-26 20:12:48.623440
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models


revision = '0004_digests'
down_revision = '0003_conversations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_digest_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest')),
    sa.UniqueConstraint('unit_id', 'kind', 'day', name='uq_digest_unit_kind_day')
    )


def downgrade() -> None:
    op.drop_table('digest')
