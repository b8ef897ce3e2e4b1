"""The funnel plugin's services: reads (pipeline, conversion, due list) and writes (funnel
settings, lead pool, handover). Every write runs in ``core.services.base.write``."""
