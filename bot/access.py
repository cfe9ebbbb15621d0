"""Who may use the bot: admins and staff from the settings and from the members table,
groups and channels on the allowlist, and the audit log of what admins did."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings
from bot.store import Store
from bot.store.subscriptions import Subscription

ADMIN = "admin"
STAFF = "staff"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Access:
    """Decisions read the settings first (they cannot be changed in the bot), then the
    members admins added in the bot."""

    store: Store
    settings: Settings

    async def role(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if user_id in self.settings.admin_ids:
            return ADMIN
        stored = await self.store.member_role("user", user_id)
        if stored:
            return stored
        return STAFF if user_id in self.settings.staff_ids else None

    async def is_admin(self, user_id: int | None) -> bool:
        return await self.role(user_id) == ADMIN

    async def chat_allowed(self, chat_id: int) -> bool:
        if chat_id in self.settings.allowed_chat_ids:
            return True
        return await self.store.member_role("chat", chat_id) is not None

    async def audit(self, actor: int | None, chat: int | None, action: str, detail: str) -> None:
        await self.store.audit(now_iso(), actor, chat, action, detail)

    async def grant(self, actor: int, member_id: int, role: str, label: str | None) -> str:
        """Add a user (positive id) or a group/channel (negative id); the reply is Chinese."""
        kind = "user" if member_id > 0 else "chat"
        if kind == "chat" and role == ADMIN:
            return "群组或频道不能设为管理员。"
        await self.store.put_member(kind, member_id, role, label, actor, now_iso())
        await self.audit(actor, None, f"grant:{role}", f"{kind} {member_id} {label or ''}".strip())
        what = {"user": {ADMIN: "管理员", STAFF: "工作人员"}[role], "chat": "群组/频道"}[kind]
        return f"已将 {member_id} 添加为{what}。"

    async def revoke(self, actor: int, member_id: int) -> str:
        if member_id in self.settings.admin_ids:
            return f"{member_id} 是配置文件中的管理员，只能在配置中移除。"
        if member_id in self.settings.staff_ids or member_id in self.settings.allowed_chat_ids:
            return f"{member_id} 在配置文件的名单中，只能在配置中移除。"
        kind = "user" if member_id > 0 else "chat"
        if not await self.store.remove_member(kind, member_id):
            return f"名单中没有 {member_id}。"
        await self.audit(actor, None, "revoke", f"{kind} {member_id}")
        return f"已移除 {member_id}。"

    async def may_manage(
        self, sub: Subscription, user_id: int, chat_admin: Callable[[int], Awaitable[bool]]
    ) -> bool:
        """A subscription is managed by its owner and, in private, the bot's admins; a group's
        or channel's by its admins (`chat_admin(chat_id)`, asked of Telegram) and the bot's."""
        if user_id in (sub.owner, sub.chat_id):
            return True
        if sub.chat_type == "private":
            return await self.is_admin(user_id)
        return await self.manages_chat(sub.chat_id, user_id, chat_admin)

    async def manages_chat(
        self, chat_id: int, user_id: int, chat_admin: Callable[[int], Awaitable[bool]]
    ) -> bool:
        """A group's or channel's digests are managed by its admins and the bot's admins."""
        return await self.is_admin(user_id) or await chat_admin(chat_id)

    async def migrate_chat(self, old: int, new: int) -> None:
        """A group became a supergroup under a new id: its access moves with it."""
        if await self.chat_allowed(old) and not await self.chat_allowed(new):
            await self.store.put_member("chat", new, STAFF, f"由 {old} 升级", None, now_iso())
            await self.audit(None, new, "chat migrated", f"{old} → {new}")

    async def listing(self) -> dict[str, list[dict[str, Any]]]:
        """Everyone with access, config entries marked so admins know why they can't remove
        them."""
        stored = await self.store.members()
        config = [
            {"kind": kind, "id": i, "role": role, "label": "配置"}
            for kind, role, ids in (
                ("user", ADMIN, self.settings.admin_ids),
                ("user", STAFF, self.settings.staff_ids),
                ("chat", STAFF, self.settings.allowed_chat_ids),
            )
            for i in ids
        ]
        everyone = config + stored
        return {
            "admins": [m for m in everyone if m["kind"] == "user" and m["role"] == ADMIN],
            "staff": [m for m in everyone if m["kind"] == "user" and m["role"] == STAFF],
            "chats": [m for m in everyone if m["kind"] == "chat"],
        }
