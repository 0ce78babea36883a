"""Chat platforms: each turns platform events into requests and replies into native messages."""
