"""Persistence: the store, its migrations, and the crash-safe inbox and outbox."""
