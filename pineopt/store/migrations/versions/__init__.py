"""One module per schema revision (see :mod:`pineopt.store.migrations`)."""
