"""APScheduler wiring: the scheduler only wakes the bot when due work falls due; the database holds the work."""
