"""The Pine runtime: built-in namespaces evaluated over bar series."""
