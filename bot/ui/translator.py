"""What a German (or any) Discord client shows of the commands: descriptions, option descriptions, choice names.

Command and option *names* stay English in every language on purpose: a group mixes readers of several languages,
the texts tell people which command to type ("use /action report"), and members tell each other too; one name for
everyone keeps all of that true. Discord shows the description beside each name in the reader's language.
"""

from __future__ import annotations

from discord import Locale, app_commands

from bot.i18n import DEFAULT_LANGUAGE, language_of, msg, render, translates


class CatalogTranslator(app_commands.Translator):
    """discord.py's translator, answered from the catalog; names are left as they are (see the module's note)."""

    async def translate(
        self, string: app_commands.locale_str, locale: Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        """The words for `string` in `locale`'s language, or None (Discord then shows the English)."""
        if context.location in (
            app_commands.TranslationContextLocation.command_name,
            app_commands.TranslationContextLocation.group_name,
            app_commands.TranslationContextLocation.parameter_name,
        ):
            return None
        language = language_of(locale)
        if language == DEFAULT_LANGUAGE or not translates(string.message, language):
            return None
        return render(msg(string.message), language)
