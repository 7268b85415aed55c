"""Running the partnership: registrations, territories, sync meetings, metrics, refresh."""
