"""What happens over a conversation: one turn, leads' summaries and digests, the adjust form, housekeeping."""
