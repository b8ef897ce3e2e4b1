"""The exporters this plugin contributes (``salesdesk_exporters``), one module a format;
``common`` holds what they share."""
