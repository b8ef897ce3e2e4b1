"""Every read and write of the forecast plugin (forecasts, allocations, evaluation)."""
