"""The SQL of chats: the chats the bot is in, who may use it, the audit log and the
saved queries behind buttons."""

from __future__ import annotations

from typing import Any

from bot.store.base import StoreBase


class ChatQueries(StoreBase):
    async def members(self) -> list[dict[str, Any]]:
        return await self._dicts(
            "SELECT kind, id, role, label, added_by, added_at FROM members ORDER BY kind, id", ()
        )

    async def member_role(self, kind: str, member_id: int) -> str | None:
        rows = await self.conn.execute_fetchall(
            "SELECT role FROM members WHERE kind = ? AND id = ?", (kind, member_id)
        )
        return rows[0][0] if rows else None

    async def put_member(
        self, kind: str, member_id: int, role: str, label: str | None, added_by: int | None, at: str
    ) -> None:
        async with self.transaction():
            await self.conn.execute(
                "INSERT INTO members (kind, id, role, label, added_by, added_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET"
                " role = excluded.role, label = coalesce(excluded.label, members.label)",
                (kind, member_id, role, label, added_by, at),
            )

    async def remove_member(self, kind: str, member_id: int) -> bool:
        async with self.transaction():
            cursor = await self.conn.execute(
                "DELETE FROM members WHERE kind = ? AND id = ?", (kind, member_id)
            )
        return cursor.rowcount > 0

    async def audit(
        self, at: str, actor: int | None, chat: int | None, action: str, detail: str
    ) -> None:
        async with self.transaction():
            await self.conn.execute(
                "INSERT INTO audit_log (at, actor, chat, action, detail) VALUES (?, ?, ?, ?, ?)",
                (at, actor, chat, action, detail),
            )

    async def audit_entries(self, limit: int) -> list[dict[str, Any]]:
        return await self._dicts(
            "SELECT at, actor, chat, action, detail FROM audit_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )

    async def save_query(self, key: str, query: str, at: str) -> None:
        async with self.transaction():
            await self.conn.execute(
                "INSERT INTO saved_queries (key, query, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO NOTHING",
                (key, query, at),
            )

    async def saved_query(self, key: str) -> str | None:
        rows = await self.conn.execute_fetchall(
            "SELECT query FROM saved_queries WHERE key = ?", (key,)
        )
        return rows[0][0] if rows else None

    async def forget_queries_before(self, at: str) -> int:
        async with self.transaction():
            cursor = await self.conn.execute(
                "DELETE FROM saved_queries WHERE created_at < ?", (at,)
            )
        return cursor.rowcount

    async def put_chat(
        self, chat_id: int, type_: str, title: str, bot_status: str, at: str
    ) -> None:
        async with self.transaction():
            await self.conn.execute(
                "INSERT INTO chats (id, type, title, bot_status, updated_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title,"
                " bot_status = excluded.bot_status, updated_at = excluded.updated_at",
                (chat_id, type_, title, bot_status, at),
            )

    async def chats(self, type_: str | None = None) -> list[dict[str, Any]]:
        if type_ is None:
            return await self._dicts(f"{_CHATS} ORDER BY title, id", ())
        return await self._dicts(f"{_CHATS} WHERE type = ? ORDER BY title, id", (type_,))

    async def chat(self, chat_id: int) -> dict[str, Any] | None:
        rows = await self._dicts(f"{_CHATS} WHERE id = ?", (chat_id,))
        return rows[0] if rows else None


# chats.settings is read only by migration 0009, which turned its switches into
# subscriptions.
_CHATS = "SELECT id, type, title, bot_status, updated_at FROM chats"
