"""Background jobs kept in the database, so they survive a restart."""
