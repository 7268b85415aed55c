"""Company name and web domain keys, shared by importing, matching and private matching."""
