"""Incoming token validation and the on-behalf-of exchange."""
