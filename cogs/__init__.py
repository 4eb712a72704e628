"""Discord adapters: slash commands, buttons, selects and listeners; each parses, calls a service, renders."""
