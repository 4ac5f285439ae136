"""The store's Alembic migrations (``env.py`` and ``versions/``), shipped with the package and
run by :mod:`pineopt.store.schema`, never by the ``alembic`` command.

To change the schema: edit :mod:`pineopt.store.models`, then add a file to ``versions/`` whose
``down_revision`` is the current head (``python -m pineopt.store.schema revision "what
changes"`` writes a draft from the difference between the models and a database built by the
existing migrations; read it and finish it by hand), and set ``HEAD`` in
:mod:`pineopt.store.schema` to its revision. On SQLite, alter tables inside
``op.batch_alter_table(...)``: SQLite cannot alter most things in place, so Alembic copies the
table (foreign keys are off while migrations run and checked before the commit). Never edit a
revision that has been released: databases out there are at it.
"""
