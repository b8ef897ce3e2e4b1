"""Every write of the real-estate plugin: validate -> permission -> write -> audit ->
commit, through ``core.services.base.write``. One module per area of the sales office."""
