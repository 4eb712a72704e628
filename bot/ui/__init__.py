"""Discord plumbing shared by the cogs: replies, the error handler, access overwrites, the effect applier."""
