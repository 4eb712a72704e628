"""Pure rules of the method: no I/O, no Discord, no database."""
