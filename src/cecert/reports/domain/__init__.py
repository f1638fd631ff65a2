"""Report queries: jurisdiction scope, grouped year status, histories and title-evaluation checks."""
