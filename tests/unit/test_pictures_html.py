"""The manual's pictures: a captured message drawn as HTML shows names, rows of buttons and times as people see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from bench._discord_html import Names, page

NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
ALICE, BOB, BOT = 412345678901234567, 412345678901234568, 999888777666555444
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
NAMES = Names(users={ALICE: "Alice", BOB: "Bob", BOT: "Setkeeper"}, bots={BOT})


@dataclass
class Node:
    """An element of the drawn page."""

    tag: str
    classes: list[str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text a reader sees in it."""
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    def find(self, css_class: str) -> list[Node]:
        """Every element within with that class, in page order."""
        found = []
        for child in self.children:
            if isinstance(child, Node):
                found += [child] if css_class in child.classes else []
                found += child.find(css_class)
        return found

    def tags(self) -> set[str]:
        """Every element's tag within."""
        return {self.tag}.union(*(child.tags() for child in self.children if isinstance(child, Node)))


class _Tree(HTMLParser):
    """The page as a browser builds it (no end tag for elements that have none)."""

    EMPTY = frozenset({"meta", "img", "br", "hr", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.root = Node("root", [])
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, (dict(attrs).get("class") or "").split())
        self.open[-1].children.append(node)
        if tag not in self.EMPTY:
            self.open.append(node)

    def handle_endtag(self, tag: str) -> None:
        while len(self.open) > 1:
            if self.open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def drawn(items: list[dict[str, object]]) -> Node:
    tree = _Tree()
    tree.feed(page(items, NAMES, NOW, "set-a"))
    return tree.root.find("chat")[0]


def button(label: str, style: int, *, disabled: bool = False) -> dict[str, object]:
    return {"type": 2, "label": label, "style": style, "custom_id": label.lower(), "disabled": disabled}


def floor_card(title: str) -> dict[str, object]:
    """A card as Discord received it: a ping line, an embed naming a member's issue, two rows of buttons."""
    ends = int((NOW + timedelta(minutes=5)).timestamp())
    return {
        "kind": "message",
        "author": BOT,
        "content": f"<@{ALICE}>, you have the floor: Input. Press **Done** when you have finished.",
        "embeds": [
            {
                "title": "Meeting of Set A: Input (round 1 of 1)",
                "color": 0x5865F2,
                "fields": [
                    {"name": "Issue", "value": f"**{title}** by <@{BOB}>", "inline": False},
                    {"name": "Has the floor", "value": f"<@{ALICE}>, time up <t:{ends}:R>", "inline": False},
                ],
            }
        ],
        "components": [
            {"type": 1, "components": [button("Done", 1), button("Pass", 2)]},
            {
                "type": 1,
                "components": [button("Facilitator:", 2, disabled=True), button("Next", 2), button("End meeting", 4)],
            },
        ],
        "ephemeral": False,
        "timestamp": NOW.isoformat(),
        "used": None,
    }


def test_a_mention_shows_the_members_display_name_not_their_id() -> None:
    chat = drawn([floor_card("Managing up")])
    assert chat.find("content")[0].text.startswith("@Alice, you have the floor: Input."), chat.text
    assert "Managing up by @Bob" in chat.find("embed")[0].text
    assert str(ALICE) not in chat.text
    assert str(BOB) not in chat.text
    assert [m.text for m in chat.find("mention")] == ["@Alice", "@Bob", "@Alice"]


def test_the_buttons_stand_in_their_rows_with_their_labels_and_styles() -> None:
    chat = drawn([floor_card("Managing up")])
    rows = [[b.text for b in row.find("button")] for row in chat.find("row")]
    assert rows == [["Done", "Pass"], ["Facilitator:", "Next", "End meeting"]]
    styles = {b.text: b.classes[1:] for b in chat.find("button")}
    assert styles == {
        "Done": ["primary"],
        "Pass": ["secondary"],
        "Facilitator:": ["secondary", "disabled"],
        "Next": ["secondary"],
        "End meeting": ["danger"],
    }


def test_a_discord_time_reads_as_words_and_bold_is_bold() -> None:
    chat = drawn([floor_card("Managing up")])
    assert "Has the floor@Alice, time up in 5 minutes" in chat.find("embed")[0].text
    assert [node.text for node in chat.find("time")] == ["in 5 minutes"]
    assert [node.text for node in _all(chat.find("embed")[0]) if node.tag == "strong"] == ["Managing up"]


def _all(node: Node) -> list[Node]:
    found = []
    for child in node.children:
        if isinstance(child, Node):
            found += [child, *_all(child)]
    return found


def test_a_members_text_is_shown_as_typed_and_never_becomes_part_of_the_page() -> None:
    chat = drawn([floor_card(HOSTILE)])
    assert f"{HOSTILE} by @Bob" in chat.find("embed")[0].text, "shown as the member typed it"
    assert "img" not in chat.tags()
    assert "script" not in chat.tags()


def test_a_form_shows_its_title_each_fields_label_and_what_the_member_typed() -> None:
    form = {
        "title": "Your learning and actions",
        "components": [
            {
                "type": 18,
                "label": "Action 1",
                "description": "Check them first",
                "component": {"type": 4, "custom_id": "action:1", "style": 1, "required": True},
            },
            {"type": 18, "label": "Action 2", "component": {"type": 4, "custom_id": "action:2", "required": False}},
            {"type": 1, "components": [{"type": 4, "custom_id": "learnt", "label": "What you learnt", "style": 2}]},
        ],
    }
    chat = drawn([{"kind": "form", "form": form, "typed": {"action:1": HOSTILE, "learnt": "Ask early"}}])
    assert chat.find("m-title")[0].text == "Your learning and actions"
    labels = [label.text for label in chat.find("f-label") if label.text]
    assert labels == ["Action 1 *", "Action 2", "What you learnt *"], "a star where it must be filled in"
    assert [field.text for field in chat.find("input")] == [HOSTILE, "", "Ask early"]
    assert "img" not in chat.tags()
