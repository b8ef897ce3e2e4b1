"""The real_estate plugin. Registered through the salesdesk entry point; its capability is
built in its own issue, so for now it contributes nothing."""
