"""The diary on disk: its schema, the row types, reading and writing, the demo diary."""
