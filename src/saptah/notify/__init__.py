"""The e-mail outbox: queued in the database, sent over SMTP, never twice."""
