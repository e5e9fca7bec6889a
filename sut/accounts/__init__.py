"""Accounts: logging in and out, and the private portal."""
