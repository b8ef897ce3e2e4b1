"""salesdesk core: models, storage, plugin system, access rules and services.

The core imports neither textual nor any plugin.
"""
