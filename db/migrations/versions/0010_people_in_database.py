"""people in the database: a role held over a span of days (hand-overs), people retired

Revision ID: 0010_people_in_database
Revises: 0009_parent_sections
Create Date: 2026-12-02 09:00:00.000000

`person_role` had (person, role) as its key; a person may now hold a role again after a gap,
so it gets an id and the span. Its few rows are carried over in memory: the table is made
anew under the same constraint names on both backends (a PostgreSQL primary key cannot take
a serial column in place).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = '0010_people_in_database'
down_revision = '0009_parent_sections'
branch_labels = None
depends_on = None


def _rows() -> list[dict]:
    table = sa.table('person_role', sa.column('person_id'), sa.column('role_id'))
    return [dict(row._mapping) for row in op.get_bind().execute(sa.select(table))]


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', db.models.UTCDateTime(timezone=True), nullable=True))
    # What config.toml last synced: held since before the bot knew, still held.
    rows = _rows()
    op.drop_table('person_role')
    table = op.create_table('person_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_to', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_role_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_person_role_role_id_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_role'))
    )
    op.create_index(op.f('ix_person_role_person_id'), 'person_role', ['person_id'], unique=False)
    op.create_index(op.f('ix_person_role_role_id'), 'person_role', ['role_id'], unique=False)
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    # Only spans still open survive: the old key cannot hold a span or a second span.
    bind = op.get_bind()
    table = sa.table('person_role', sa.column('person_id'), sa.column('role_id'),
                     sa.column('valid_to'))
    held = bind.execute(sa.select(table.c.person_id, table.c.role_id)
                        .where(table.c.valid_to.is_(None)).distinct()).all()
    op.drop_index(op.f('ix_person_role_role_id'), table_name='person_role')
    op.drop_index(op.f('ix_person_role_person_id'), table_name='person_role')
    op.drop_table('person_role')
    old = op.create_table('person_role',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_role_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_person_role_role_id_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'role_id', name=op.f('pk_person_role'))
    )
    if held:
        op.bulk_insert(old, [{"person_id": p, "role_id": r} for p, r in held])
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
