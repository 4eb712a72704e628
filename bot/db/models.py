"""SQLAlchemy models: the database is the only source of truth for everything that must survive a restart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.db.crypto import EncryptedJSON, EncryptedText
from bot.db.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with constraint names that migrations can refer to."""

    metadata = MetaData(naming_convention=NAMING)


class Group(Base):
    """An action learning set in one Discord server."""

    __tablename__ = "groups"
    # Ids appear in buttons' custom ids: SQLite must never hand out a deleted group's id again.
    __table_args__ = (UniqueConstraint("guild_id", "name_key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(50))
    name_key: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16))
    facilitator_id: Mapped[int] = mapped_column(BigInteger)
    text_channel_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    voice_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    voice_kind: Mapped[str] = mapped_column(String(8))
    min_size: Mapped[int] = mapped_column(Integer)
    max_size: Mapped[int] = mapped_column(Integer)
    rounds_per_meeting: Mapped[int] = mapped_column(Integer)
    turn_minutes: Mapped[int] = mapped_column(Integer)
    presentation_minutes: Mapped[int] = mapped_column(Integer)
    voting: Mapped[str] = mapped_column(String(16))
    crosstalk: Mapped[str] = mapped_column(String(16))
    own_bid_votes: Mapped[bool] = mapped_column(default=True)
    # When a speaker's time is up: move the floor on (True), or only tell them (False).
    auto_advance: Mapped[bool] = mapped_column(default=False)
    report_back_lead_hours: Mapped[int] = mapped_column(Integer)
    bid_nudge_lead_hours: Mapped[int] = mapped_column(Integer)
    # Reminders: no post inside the quiet hours (whole local hours; equal means none); a post the bot could not make
    # on time still goes up to this many hours late (before the meeting), else it is recorded missed; and whether
    # members get the report-back reminder by direct message unless they chose otherwise.
    quiet_start_hour: Mapped[int] = mapped_column(Integer, default=22, server_default="22")
    quiet_end_hour: Mapped[int] = mapped_column(Integer, default=8, server_default="8")
    reminder_late_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    reminder_dms: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Days an archived group's words are kept before they are erased (the retention period; see the README).
    keep_days: Mapped[int] = mapped_column(Integer, default=180, server_default="180")
    # The language of what the group reads together (cards, summaries, reminders, history): "en" or "de".
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # What each kind of scheduled post last went out for (the meeting's time, or a monthly reminder's own), so that
    # a lead time or quiet hours changed after a post went out do not send it a second time.
    reminded: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    creator_instance: Mapped[str | None] = mapped_column(String(36))
    # While a group is being created: the token of the command that asked for it (valid 15 minutes), so that a
    # restarted bot can tell that person their group was not made. Cleared as soon as creation ends.
    creation_reply_token: Mapped[str | None] = mapped_column(String(500))
    # Set when one of the group's channels was found deleted (CHANNEL_DELETE or start-up): every change is refused
    # with the way to repair it until /group repair makes the channel again. `told` is when the facilitator was
    # sent that way by direct message, so a restart between the two still tells them, and only once.
    channel_lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channel_loss_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The meeting schedule: the cadence's rule as `bot.domain.cadence.to_dict` gives it (never a fixed offset, so
    # "monthly" does not drift), the next meeting it gives (UTC), and the Discord scheduled event made for that
    # meeting, remembered so that a change moves the same event and a repeated effect makes no second one.
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    next_meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    # How many meetings make one cycle (4 to 6), counted from the group's first meeting; None: one open cycle.
    cycle_length: Mapped[int | None] = mapped_column(Integer)


class Membership(Base):
    """A person's standing in one group, kept after they leave as the group's history."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        Index("ix_memberships_user_id", "user_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rules_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The post in the group's channel that carries the Approve / Decline buttons, so that however the request is
    # answered (a click, a withdrawal, an archive, an add) the post can be made to say so.
    request_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The member's own choice for the report-back reminder: by direct message (True), in the channel (False), or as
    # the group's setting says (None).
    reminder_dm: Mapped[bool | None] = mapped_column()


class PendingEffect(Base):
    """A Discord-side consequence of a committed decision, kept until it has been carried out."""

    __tablename__ = "pending_effects"
    # An effect's id is its post's nonce and its retry's key: SQLite must never hand out a deleted effect's id again.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    group_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Held by whoever is carrying the effect out (the process that queued it, or a retry) until then; after a
    # failure, the time it may be tried again. Nobody else takes it meanwhile.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A post drawn from the database when carried out: when it was last sent, and a digest of what it said, so that
    # a later look at the channel recognises it once Discord has forgotten its nonce. The digest is encrypted: it
    # would otherwise confirm a guess at what a member wrote.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_digest: Mapped[str | None] = mapped_column(EncryptedText())


class BotState(Base):
    """Small facts the bot remembers about itself, such as the hash of the last synced command tree."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DueWork(Base):
    """Something that must happen once at a time: an effect's retry today; turn deadlines and reminders next.

    The row outlives the work (``done_at``), so the same (subject, kind, due time) can never be added and done twice,
    whatever restarts or second schedulers come along.
    """

    __tablename__ = "due_work"
    __table_args__ = (
        UniqueConstraint("subject", "kind", "due_at"),
        Index("ix_due_work_pending", "guild_id", "done_at", "due_at"),
        Index("ix_due_work_claim_owner", "claim_owner"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # While claimed: when the claim's lease runs out; after a failure: when to try again.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    # Who holds the claim, by a name that outlives one life of the process (`claimed_by` is the life): a process
    # started again under the same name takes back at once what its killed life held, and no one else's claims.
    claim_owner: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    gave_up: Mapped[bool] = mapped_column(default=False)
    # What became of work that decides for itself (a scheduled post): sent, missed, superseded, nothing, cancelled.
    outcome: Mapped[str | None] = mapped_column(String(16))


class Bid(Base):
    """An issue a member wants the group's help with; open until it is chosen for a round or withdrawn."""

    __tablename__ = "bids"
    __table_args__ = (Index("ix_bids_group_id_status", "group_id", "status"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(BigInteger)
    # What members write about their struggles: encrypted from the first row.
    title: Mapped[str] = mapped_column(EncryptedText(group_owned=True))
    help: Mapped[str] = mapped_column(EncryptedText(group_owned=True))
    status: Mapped[str] = mapped_column(String(16))
    put_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The vote that chose it for a round, once one has.
    chosen_by_vote_id: Mapped[int | None] = mapped_column(Integer)


class Vote(Base):
    """A group's vote on its open bids: which of them get a round."""

    __tablename__ = "votes"
    __table_args__ = (Index("ix_votes_group_id_status", "group_id", "status"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    # The group's settings as they were when the vote opened: a change mid-vote cannot change what a ballot means.
    method: Mapped[str] = mapped_column(String(16))
    seats: Mapped[int] = mapped_column(Integer)
    own_bid_votes: Mapped[bool] = mapped_column()
    opened_by: Mapped[int] = mapped_column(BigInteger)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[int | None] = mapped_column(BigInteger)
    close_reason: Mapped[str | None] = mapped_column(String(16))
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The counted result once closed (bid ids and numbers only, no text).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class VoteBid(Base):
    """A bid on a vote's ballot, as the ballot stood when the vote opened; struck if withdrawn meanwhile."""

    __tablename__ = "vote_bids"

    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    struck_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Ballot(Base):
    """One member's ballot in one vote, changeable until the vote closes; never shown to anyone else."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("vote_id", "voter_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(BigInteger)
    # The bid ids chosen, in order of preference; encrypted, since how someone voted is theirs alone.
    choices: Mapped[list[int]] = mapped_column(EncryptedJSON(group_owned=True))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Meeting(Base):
    """One meeting of a group: its whole state (phase, floor, queue, rounds, timers) as the domain keeps it."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_group_id_status", "group_id", "status"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    # How many meetings the group had before this one: who speaks first rotates with it.
    number: Mapped[int] = mapped_column(Integer)
    # The domain's state (ids, phases, times; no text members wrote), written before anything is announced.
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_by: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The vote held during the meeting, if the group had not voted before it.
    vote_id: Mapped[int | None] = mapped_column(Integer)
    # The voice channel whose floor the meeting keeps by server mute; None for a meeting held in text only.
    voice_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # The voice channel is a Stage: the floor is kept by speaker state, and the bot opens a Stage instance.
    stage: Mapped[bool] = mapped_column(default=False)
    # The Stage instance the bot opened for the meeting (closed at its end); None if it opened none.
    stage_instance_id: Mapped[int | None] = mapped_column(BigInteger)
    # When (by Discord's clock: the interaction's own time) a member's or the facilitator's press last moved the turn
    # on; a `/meeting next` sent before anyone could have seen that is not applied to the turn that followed.
    turn_moved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Action(Base):
    """An action an issue holder committed to in a round (or a member set themselves between meetings)."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_group_id_owner_id", "group_id", "owner_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    round_index: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(EncryptedText(group_owned=True))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ActionReport(Base):
    """One report on an action: the status it gave, what happened and what was learnt, and when."""

    __tablename__ = "action_reports"
    __table_args__ = (Index("ix_action_reports_action_id", "action_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    happened: Mapped[str] = mapped_column(EncryptedText(group_owned=True))
    learnt: Mapped[str] = mapped_column(EncryptedText(group_owned=True))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoundNote(Base):
    """What an issue holder said they learnt in their round."""

    __tablename__ = "round_notes"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    round_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder_id: Mapped[int] = mapped_column(BigInteger)
    learnt: Mapped[str] = mapped_column(EncryptedText(group_owned=True))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Contribution(Base):
    """What a peer said in a round's clarify or input turn, where the bot could read it: for the holder's digest."""

    __tablename__ = "contributions"
    __table_args__ = (Index("ix_contributions_meeting_id", "meeting_id", "round_index"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    round_index: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(EncryptedText(group_owned=True))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VoiceMute(Base):
    """A server mute or Stage suppression the bot owns for one meeting: written before it is made, removed once undone.

    One row per person, guild, `kind` ("mute", or "stage" for a Stage's speaker state), group and voice channel:
    what one meeting muted someone for is its own, and another meeting's floor never settles it. A server mute is
    still one flag per person and guild that follows them from channel to channel (FACTS §1j), so the applier reads
    all of a person's "mute" rows together: they are muted while they sit in a channel one of them wants them muted
    in. `theirs` is the person's own state just before the bot first came to change it: None until then; for a
    mute, True when someone else (a moderator) had already muted them, so the bot leaves that mute alone and never
    undoes it (a person's "mute" rows never disagree on it); on a Stage, True when they were in the audience.
    """

    __tablename__ = "voice_mutes"
    __table_args__ = (
        UniqueConstraint("guild_id", "user_id", "kind", "group_id", "channel_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    # The group whose meeting wants the mute; no foreign key, so that a deleted group's mutes are still undone.
    group_id: Mapped[int] = mapped_column(Integer)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
    theirs: Mapped[bool | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8), default="mute")
    # The meeting's voice channel or Stage (None only in rows written before 0015 whose meeting had ended). On a
    # Stage, whether the bot has changed the person's state there from `theirs` at all (only then is it undone).
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    changed: Mapped[bool] = mapped_column(default=False)


class GroupKey(Base):
    """A group's own data key, wrapped (sealed) by the settings keys; what the group's members write is sealed with it.

    Destroying it (`wrapped` cleared, `destroyed_at` set) makes the group's words unreadable in every copy of every
    row at once; the row stays, so that no new key is ever made for the group under the same id.
    """

    __tablename__ = "group_keys"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    wrapped: Mapped[str | None] = mapped_column(Text)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
