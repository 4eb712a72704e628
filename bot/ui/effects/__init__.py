"""How each kind of effect is carried out on Discord, one module per kind; `bot.ui.applier` dispatches to them.

Every handler is safe to run twice and in any order: it draws what it needs from the database when carried out.
"""
