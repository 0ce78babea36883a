"""The rules of the bot: knowledge, matcher, replies, tips and quiz. Knows no platform, database or environment."""
