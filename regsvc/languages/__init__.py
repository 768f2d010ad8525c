"""The language switcher on every page: /language/<code>?next=<page>."""
