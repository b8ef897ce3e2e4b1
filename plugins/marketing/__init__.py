"""The marketing plugin: campaigns, costs, effect, segments, negative information."""
