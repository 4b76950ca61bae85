"""parent sections: "B. NHIỆM VỤ CỤ THỂ" over its "I", "II"

Revision ID: 0009_parent_sections
Revises: 0006_update_keys
Create Date: 2026-12-01 08:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009_parent_sections'
down_revision = '0008_office_web'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sections imported before this revision were read with one heading level: all keep NULL.
    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_section_parent_id_section', 'section', ['parent_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.drop_constraint('fk_section_parent_id_section', type_='foreignkey')
        batch_op.drop_column('parent_id')
