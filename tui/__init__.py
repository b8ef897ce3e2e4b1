"""The Textual app and the command line; a client of core services."""
