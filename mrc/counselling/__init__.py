"""Individual counselling sessions with one client, their edit history and follow-ups."""
