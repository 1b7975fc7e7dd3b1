"""Core: the typed config, shared codes, random streams and table schemas. Imports nothing else of churnsim."""
