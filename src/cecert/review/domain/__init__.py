"""Review of records (Article 11): the state machine, notifications, queues, spot-checks."""
