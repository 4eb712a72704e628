"""Setkeeper: a Discord bot that runs action learning sets the way the method intends."""
