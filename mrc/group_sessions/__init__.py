"""Group sessions: pre-departure orientations, awareness sessions and community outreach, with
the attendance of registered clients and head counts of people who did not register."""
