"""Services of the manufacturing plugin: every write validates, checks permission and
record rules, writes, audits and commits in one transaction (core ``write``)."""
