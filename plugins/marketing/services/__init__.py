"""Every write the marketing plugin makes: validate -> permission -> write -> audit ->
commit, through ``core.services.base.write``. Core tables change only through core
services (attribution calls ``core.services.customers`` / ``opportunities``)."""
