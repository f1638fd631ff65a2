"""Notifications: composing them per event and channel, delivering them, and the scheduled notices."""
