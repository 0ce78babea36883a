"""backend-bot: backend-engineering knowledge in Slack, Discord and the terminal."""
