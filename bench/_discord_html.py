"""Messages, embeds, buttons and forms as Discord received them, drawn as an HTML page in a Discord-like dark theme.

Only for the manual's pictures (bench/pictures.py): the look is this project's own CSS, nothing of Discord's. Every
text a member or the bot wrote is escaped before it is placed in the page; ids become the names people see.
"""

from __future__ import annotations

import html
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

BLURPLE = "#5865f2"
BUTTON_STYLES = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link", 6: "secondary"}
AVATAR_COLOURS = ("#5865f2", "#3ba55d", "#faa61a", "#ed4245", "#eb459e", "#1abc9c", "#e67e22")
SELECTS = {3, 5, 6, 7, 8}


@dataclass
class Names:
    """What Discord shows for ids: members' display names, channel and role names; which users are bots."""

    users: dict[int, str] = field(default_factory=dict)
    channels: dict[int, str] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    bots: set[int] = field(default_factory=set)

    def user(self, user_id: int) -> str:
        """A member's display name (an unknown id as Discord shows it)."""
        return self.users.get(user_id, "unknown-user")


# ----- times -------------------------------------------------------------------------------------------------------


def _span(seconds: float) -> str:
    """A distance in time in words, as a reader says it ("5 minutes", "an hour")."""
    minutes, hours, days = seconds / 60, seconds / 3600, seconds / 86400
    steps = (
        (seconds < 45, "a few seconds"),
        (seconds < 90, "a minute"),
        (minutes < 45, f"{round(minutes)} minutes"),
        (minutes < 90, "an hour"),
        (hours < 22, f"{round(hours)} hours"),
        (hours < 36, "a day"),
        (days < 26, f"{round(days)} days"),
        (days < 45, "a month"),
        (days < 320, f"{round(days / 30.4)} months"),
        (days < 548, "a year"),
    )
    return next((words for near, words in steps if near), f"{round(days / 365.25)} years")


def timestamp(unix: int, style: str, now: datetime) -> str:
    """A `<t:unix:style>` timestamp as the reader sees it (times in UTC)."""
    moment = datetime.fromtimestamp(unix, UTC)
    if style == "R":
        seconds = (moment - now).total_seconds()
        return f"in {_span(seconds)}" if seconds >= 0 else f"{_span(-seconds)} ago"
    clock = moment.strftime("%H:%M")
    day = f"{moment.day} {moment.strftime('%B %Y')}"
    formats = {
        "t": clock,
        "T": moment.strftime("%H:%M:%S"),
        "d": moment.strftime("%d/%m/%Y"),
        "D": day,
        "F": f"{moment.strftime('%A')}, {day} {clock}",
    }
    return formats.get(style, f"{day} {clock}")


# ----- markdown ----------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\\(?P<escaped>[\\*_~`|<>\[\]()#-])"
    r"|<@!?(?P<user>\d+)>|<@&(?P<role>\d+)>|<#(?P<channel>\d+)>"
    r"|<t:(?P<unix>-?\d+)(?::(?P<style>[tTdDfFR]))?>"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<href>https?://[^\s)]+)\)"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?P<url>https?://[^\s<>()]+)"
)
_EMPHASIS = (
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"__(.+?)__"), r"<u>\1</u>"),
    (re.compile(r"\*(?=\S)(.+?)(?<=\S)\*"), r"<em>\1</em>"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"<em>\1</em>"),
    (re.compile(r"~~(.+?)~~"), r"<s>\1</s>"),
    (re.compile(r"\|\|(.+?)\|\|"), r'<span class="spoiler">\1</span>'),
)
_HOLE = re.compile("\x00(\\d+)\x00")


def inline(text: str, names: Names, now: datetime) -> str:
    """One line of Discord markdown as HTML: emphasis, links, code, mentions and timestamps; the rest escaped."""
    holes: list[str] = []

    def hole(match: re.Match[str]) -> str:
        holes.append(_token(match, names, now))
        return f"\x00{len(holes) - 1}\x00"

    marked = html.escape(_TOKEN.sub(hole, text.replace("\x00", "")), quote=False)
    for pattern, replacement in _EMPHASIS:
        marked = pattern.sub(replacement, marked)
    return _HOLE.sub(lambda match: holes[int(match[1])], marked)


def _token(match: re.Match[str], names: Names, now: datetime) -> str:
    """The HTML of one markdown token (everything in it escaped)."""
    found = match.groupdict()
    if found["escaped"] is not None:
        return html.escape(found["escaped"])
    if found["user"] is not None:
        return f'<span class="mention">@{html.escape(names.user(int(found["user"])))}</span>'
    if found["role"] is not None:
        return f'<span class="mention">@{html.escape(names.roles.get(int(found["role"]), "deleted-role"))}</span>'
    if found["channel"] is not None:
        return f'<span class="mention">#{html.escape(names.channels.get(int(found["channel"]), "unknown"))}</span>'
    if found["unix"] is not None:
        return f'<span class="time">{html.escape(timestamp(int(found["unix"]), found["style"] or "f", now))}</span>'
    if found["href"] is not None:
        return f'<a href="{html.escape(found["href"])}">{inline(found["label"], names, now)}</a>'
    if found["code"] is not None:
        return f"<code>{html.escape(found['code'])}</code>"
    return f'<a href="{html.escape(found["url"])}">{html.escape(found["url"])}</a>'


_LIST = re.compile(r"^(?P<indent>\s*)(?P<marker>[-*]|\d+\.)\s+(?P<rest>.*)$")
_HEADING = re.compile(r"^(?P<level>#{1,3})\s+(?P<rest>.*)$")


def markdown(text: str, names: Names, now: datetime) -> str:
    """Discord markdown (blocks: code, headings, -# small text, quotes, lists) as HTML."""
    parts: list[str] = []
    pieces = text.split("```")
    for number, piece in enumerate(pieces):
        if number % 2 == 1 and number < len(pieces) - 1:
            first, _, rest = piece.partition("\n")
            body = rest if rest and re.fullmatch(r"\w*", first) else piece
            parts.append(f"<pre>{html.escape(body.strip(chr(10)))}</pre>")
        else:
            prefix = "```" if number % 2 == 1 else ""
            parts.append(_lines(prefix + piece, names, now))
    return "".join(parts)


def _lines(text: str, names: Names, now: datetime) -> str:
    out = []
    for line in text.split("\n"):
        if line.startswith("-# "):
            out.append(f'<div class="subtext">{inline(line[3:], names, now)}</div>')
        elif heading := _HEADING.match(line):
            level = len(heading["level"])
            out.append(f'<div class="h{level}">{inline(heading["rest"], names, now)}</div>')
        elif line.startswith("> ") or line == ">":
            out.append(f'<div class="quote">{inline(line[2:], names, now) or "&nbsp;"}</div>')
        elif item := _LIST.match(line):
            depth = len(item["indent"].expandtabs(4)) // 2
            marker = "•" if item["marker"] in "-*" else item["marker"]
            out.append(
                f'<div class="li" style="margin-left:{depth * 12 + 4}px"><span class="marker">'
                f"{html.escape(marker)}</span><span>{inline(item['rest'], names, now)}</span></div>"
            )
        elif line.strip():
            out.append(f'<div class="line">{inline(line, names, now)}</div>')
        else:
            out.append('<div class="gap"></div>')
    return "".join(out)


# ----- messages ----------------------------------------------------------------------------------------------------


def _avatar(user_id: int, name: str, *, small: bool = False) -> str:
    colour = AVATAR_COLOURS[zlib.crc32(name.encode()) % len(AVATAR_COLOURS)]
    initial = html.escape(name[:1].upper() or "?")
    return f'<div class="avatar{" small" if small else ""}" style="background:{colour}">{initial}</div>'


def embed(data: Json, names: Names, now: datetime) -> str:
    """An embed: the colour bar, author, title, description, fields (inline ones side by side), footer."""
    colour = f"#{int(data['color']):06x}" if data.get("color") is not None else "#1e1f22"
    parts = []
    if isinstance(data.get("author"), dict) and data["author"].get("name"):
        parts.append(f'<div class="e-author">{html.escape(str(data["author"]["name"]))}</div>')
    if data.get("title"):
        title = inline(str(data["title"]), names, now)
        if data.get("url"):
            title = f'<a href="{html.escape(str(data["url"]))}">{title}</a>'
        parts.append(f'<div class="e-title">{title}</div>')
    if data.get("description"):
        parts.append(f'<div class="e-desc">{markdown(str(data["description"]), names, now)}</div>')
    fields = []
    for item in data.get("fields") or []:
        span = "inline" if item.get("inline") else "wide"
        fields.append(
            f'<div class="e-field {span}"><div class="e-name">{inline(str(item.get("name", "")), names, now)}</div>'
            f'<div class="e-value">{markdown(str(item.get("value", "")), names, now)}</div></div>'
        )
    if fields:
        parts.append(f'<div class="e-fields">{"".join(fields)}</div>')
    if isinstance(data.get("footer"), dict) and data["footer"].get("text"):
        parts.append(f'<div class="e-footer">{html.escape(str(data["footer"]["text"]))}</div>')
    return f'<div class="embed" style="border-left-color:{colour}">{"".join(parts)}</div>'


def button(data: Json) -> str:
    """A button: its style's colour, its emoji and label; faded when disabled."""
    style = BUTTON_STYLES.get(int(data.get("style") or 2), "secondary")
    emoji = data.get("emoji") or {}
    label = html.escape(str(emoji.get("name") or "")) + (" " if emoji.get("name") and data.get("label") else "")
    label += html.escape(str(data.get("label") or ""))
    if style == "link":
        label += ' <span class="arrow">↗</span>'
    disabled = " disabled" if data.get("disabled") else ""
    return f'<span class="button {style}{disabled}">{label}</span>'


def select(data: Json) -> str:
    """A select menu, closed: the chosen options' labels, else its placeholder."""
    chosen = [str(o.get("label")) for o in data.get("options") or [] if o.get("default")]
    shown = (
        html.escape(", ".join(chosen)) if chosen else html.escape(str(data.get("placeholder") or "Make a selection"))
    )
    faded = "" if chosen else " placeholder"
    return f'<div class="select{faded}"><span>{shown}</span><span class="chevron">⌄</span></div>'


def components(items: list[Json], names: Names, now: datetime, typed: dict[str, str] | None = None) -> str:
    """Rows of buttons and selects (and components v2 text, containers, separators; in a form, its fields)."""
    out = []
    for item in items:
        kind = item.get("type")
        if kind == 1:
            out.append(f'<div class="row">{components(item.get("components") or [], names, now, typed)}</div>')
        elif kind == 2:
            out.append(button(item))
        elif kind in SELECTS:
            out.append(select(item))
        elif kind == 4:
            out.append(text_input(item, typed or {}))
        elif kind == 10:
            out.append(f'<div class="text">{markdown(str(item.get("content", "")), names, now)}</div>')
        elif kind == 14:
            out.append('<hr class="separator">')
        elif kind == 17:
            inner = components(item.get("components") or [], names, now, typed)
            accent = item.get("accent_color")
            bar = f"#{int(accent):06x}" if accent is not None else "#1e1f22"
            out.append(f'<div class="container" style="border-left-color:{bar}">{inner}</div>')
        elif kind == 9:
            accessory = components([item["accessory"]], names, now, typed) if item.get("accessory") else ""
            text = components(item.get("components") or [], names, now, typed)
            out.append(f'<div class="section"><div>{text}</div><div>{accessory}</div></div>')
        elif kind == 18:
            out.append(field_with_label(item, names, now, typed or {}))
    return "".join(out)


def text_input(data: Json, typed: dict[str, str], label: str | None = None, required: bool | None = None) -> str:
    """A form's text field: its label (a red star when it must be filled in), then what was typed or its hint."""
    label = label if label is not None else str(data.get("label") or "")
    must = data.get("required", True) if required is None else required
    star = ' <span class="star">*</span>' if must else ""
    value = typed.get(str(data.get("custom_id")), str(data.get("value") or ""))
    shown = html.escape(value) if value else html.escape(str(data.get("placeholder") or ""))
    faded = "" if value else " placeholder"
    tall = " paragraph" if data.get("style") == 2 else ""
    heading = f'<div class="f-label">{html.escape(label)}{star}</div>' if label else ""
    return f'<div class="f-field">{heading}<div class="input{tall}{faded}">{shown}</div></div>'


def field_with_label(data: Json, names: Names, now: datetime, typed: dict[str, str]) -> str:
    """A form's labelled component (type 18): the label and description over a text field or a select."""
    inner = data.get("component") or {}
    description = data.get("description")
    note = f'<div class="f-note">{html.escape(str(description))}</div>' if description else ""
    if inner.get("type") == 4:
        body = text_input(inner, typed, label="", required=inner.get("required", True))
    else:
        body = components([inner], names, now, typed)
    star = ' <span class="star">*</span>' if inner.get("required", True) else ""
    label = html.escape(str(data.get("label", "")))
    return f'<div class="f-field"><div class="f-label">{label}{star}</div>{note}{body}</div>'


def message(item: Json, names: Names, now: datetime) -> str:
    """A message as the channel shows it: who used which command, author, time, text, embeds, components."""
    author = int(item["author"])
    name = names.user(author)
    badge = '<span class="badge">APP</span>' if author in names.bots else ""
    used = ""
    if item.get("used"):
        user = names.user(int(item["used"]["user"]))
        used = (
            f'<div class="used">{_avatar(int(item["used"]["user"]), user, small=True)}'
            f'<span class="who">{html.escape(user)}</span> used '
            f'<span class="command">/{html.escape(str(item["used"]["command"]))}</span></div>'
        )
    body = markdown(str(item["content"]), names, now) if item.get("content") else ""
    embeds = "".join(embed(data, names, now) for data in item.get("embeds") or [])
    rows = components(item.get("components") or [], names, now)
    footer = (
        '<div class="ephemeral"><span class="eye">👁</span> Only you can see this · <a>Dismiss message</a></div>'
        if item.get("ephemeral")
        else ""
    )
    return (
        f'<div class="message{" is-ephemeral" if item.get("ephemeral") else ""}">{used}<div class="body">'
        f'{_avatar(author, name)}<div class="main"><div class="head"><span class="name">{html.escape(name)}'
        f'</span>{badge}<span class="stamp">Today at {now.strftime("%H:%M")}</span></div>'
        f'<div class="content">{body}</div>{embeds}<div class="components">{rows}</div>{footer}</div></div></div>'
    )


def form(item: Json, names: Names, now: datetime) -> str:
    """A form (modal) open over the channel: title, fields with what the member typed, Cancel and Submit."""
    data = item["form"]
    fields = components(data.get("components") or [], names, now, item.get("typed") or {})
    return (
        '<div class="backdrop"><div class="modal"><div class="m-head">'
        f'<span class="m-title">{html.escape(str(data.get("title", "")))}</span><span class="close">✕</span></div>'
        f'<div class="m-body">{fields}</div><div class="m-foot"><span class="cancel">Cancel</span>'
        '<span class="button primary">Submit</span></div></div></div>'
    )


def page(items: list[Json], names: Names, now: datetime, channel: str | None = None) -> str:
    """A whole page: the channel's header (when given) and each captured message or form, in order."""
    drawn = "".join(
        form(item, names, now) if item.get("kind") == "form" else message(item, names, now) for item in items
    )
    header = f'<div class="channel"><span class="hash">#</span>{html.escape(channel)}</div>' if channel else ""
    behind = ' class="behind-form"' if any(item.get("kind") == "form" for item in items) else ""
    return (
        f'<!doctype html><html lang="en"{behind}><head><meta charset="utf-8"><title>Setkeeper</title>'
        f'<style>{CSS}</style></head><body>{header}<div class="chat">{drawn}</div></body></html>'
    )


CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; background: #313338; }
body { font-family: "Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif, "Noto Color Emoji";
  color: #dbdee1; font-size: 16px; line-height: 1.375; padding: 0 0 8px; }
a { color: #00a8fc; text-decoration: none; }
.channel { height: 48px; display: flex; align-items: center; padding: 0 16px; font-weight: 600; color: #f2f3f5;
  border-bottom: 1px solid #26282c; box-shadow: 0 1px 0 rgba(0,0,0,.2); margin-bottom: 8px; }
.channel .hash { color: #80848e; font-size: 24px; margin-right: 8px; font-weight: 400; }
.chat { padding: 8px 0; }
.message { padding: 4px 16px 6px 16px; margin-top: 10px; }
.message.is-ephemeral { background: rgba(88,101,242,.07); border-left: 2px solid #5865f2; padding-left: 14px; }
.used { display: flex; align-items: center; gap: 4px; margin-left: 56px; font-size: 14px; color: #b5bac1;
  position: relative; margin-bottom: 2px; }
.used::before { content: ""; position: absolute; left: -36px; top: 9px; width: 30px; height: 10px;
  border-left: 2px solid #4e5058; border-top: 2px solid #4e5058; border-top-left-radius: 6px; }
.used .who { color: #f2f3f5; font-weight: 500; }
.used .command { color: #00a8fc; }
.body { display: flex; gap: 16px; }
.avatar { flex: none; width: 40px; height: 40px; border-radius: 50%; display: flex; align-items: center;
  justify-content: center; color: #fff; font-weight: 700; font-size: 18px; }
.avatar.small { width: 16px; height: 16px; font-size: 9px; }
.main { min-width: 0; flex: 1; }
.head { display: flex; align-items: baseline; gap: 6px; }
.name { color: #f2f3f5; font-weight: 600; }
.badge { background: #5865f2; color: #fff; font-size: 10px; font-weight: 700; padding: 1px 4px; border-radius: 3px;
  position: relative; top: -2px; }
.stamp { color: #949ba4; font-size: 12px; margin-left: 2px; }
.content { word-wrap: break-word; }
.line, .li { min-height: 22px; }
.gap { height: 22px; }
.li { display: flex; gap: 6px; }
.li .marker { flex: none; color: #dbdee1; }
.subtext { font-size: 13px; color: #949ba4; }
.h1 { font-size: 24px; font-weight: 700; margin: 8px 0 4px; color: #f2f3f5; }
.h2 { font-size: 20px; font-weight: 700; margin: 8px 0 4px; color: #f2f3f5; }
.h3 { font-size: 16px; font-weight: 700; margin: 8px 0 4px; color: #f2f3f5; }
.quote { border-left: 4px solid #4e5058; padding-left: 12px; }
strong { font-weight: 700; color: #f2f3f5; }
code { background: #2b2d31; border: 1px solid #1e1f22; border-radius: 4px; padding: 0 3px; font-size: 85%;
  font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; }
pre { background: #2b2d31; border: 1px solid #1e1f22; border-radius: 4px; padding: 8px; margin: 4px 0;
  font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 14px; white-space: pre-wrap; }
.mention { background: rgba(88,101,242,.3); color: #c9cdfb; border-radius: 3px; padding: 0 2px; font-weight: 500; }
.time { background: rgba(255,255,255,.06); border-radius: 3px; padding: 0 2px; white-space: nowrap; }
.spoiler { background: #1e1f22; color: #1e1f22; border-radius: 3px; }
.embed { background: #2b2d31; border-left: 4px solid; border-radius: 4px; padding: 8px 16px 16px 12px;
  margin-top: 4px; max-width: 520px; font-size: 14px; line-height: 1.3; }
.e-author { font-size: 14px; font-weight: 600; color: #f2f3f5; margin-top: 8px; }
.e-title { font-size: 16px; font-weight: 700; color: #f2f3f5; margin-top: 8px; }
.e-desc { margin-top: 8px; }
.e-desc .line, .e-desc .li, .e-value .line, .e-value .li { min-height: 18px; }
.e-desc .gap, .e-value .gap { height: 10px; }
.e-fields { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px 16px; margin-top: 8px; }
.e-field.wide { grid-column: 1 / -1; }
.e-name { font-weight: 700; color: #f2f3f5; margin-bottom: 2px; }
.e-footer { margin-top: 8px; font-size: 12px; color: #b5bac1; }
.components { margin-top: 4px; }
.row { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 0; }
.button { display: inline-flex; align-items: center; height: 32px; padding: 2px 16px; border-radius: 3px;
  font-size: 14px; font-weight: 500; color: #fff; white-space: nowrap; }
.button.primary { background: #5865f2; }
.button.secondary, .button.link { background: #4e5058; }
.button.success { background: #248046; }
.button.danger { background: #da373c; }
.button.disabled { opacity: .5; }
.button .arrow { margin-left: 6px; font-size: 12px; }
.select { display: flex; justify-content: space-between; align-items: center; background: #1e1f22;
  border: 1px solid #1e1f22; border-radius: 4px; padding: 8px 12px; width: 100%; max-width: 400px; font-size: 14px;
  margin-top: 4px; }
.select.placeholder span:first-child { color: #949ba4; }
.chevron { color: #b5bac1; font-size: 16px; line-height: 1; position: relative; top: -4px; }
.container { background: #2b2d31; border-left: 4px solid; border-radius: 8px; padding: 12px 16px; max-width: 520px; }
.separator { border: 0; border-top: 1px solid #3f4147; margin: 8px 0; }
.section { display: flex; justify-content: space-between; gap: 12px; align-items: center; }
.ephemeral { font-size: 12px; color: #949ba4; margin-top: 6px; }
.ephemeral a { color: #00a8fc; }
.ephemeral .eye { font-size: 11px; }
html.behind-form, html.behind-form body { background: #1a1b1e; }
.backdrop { padding: 24px 0; display: flex; justify-content: center; }
.modal { width: 480px; background: #313338; border-radius: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.4);
  overflow: hidden; }
.m-head { display: flex; justify-content: space-between; align-items: center; padding: 16px 16px 8px; }
.m-title { font-size: 20px; font-weight: 700; color: #f2f3f5; }
.close { color: #b5bac1; font-size: 18px; }
.m-body { padding: 8px 16px 16px; }
.f-field { margin-top: 12px; }
.f-field .f-field { margin-top: 0; }
.f-label { font-size: 14px; font-weight: 600; color: #dbdee1; margin-bottom: 6px; }
.f-note { font-size: 12px; color: #b5bac1; margin: -2px 0 6px; }
.star { color: #f23f43; }
.input { background: #1e1f22; border-radius: 4px; padding: 10px; font-size: 15px; min-height: 40px; }
.input.paragraph { min-height: 76px; }
.input.placeholder { color: #6d6f78; }
.m-foot { background: #2b2d31; padding: 16px; display: flex; justify-content: flex-end; align-items: center;
  gap: 16px; }
.cancel { color: #fff; font-size: 14px; }
"""
