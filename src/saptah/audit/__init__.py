"""The audit log: every administrative act, who did it, when, what and from where (append-only)."""
