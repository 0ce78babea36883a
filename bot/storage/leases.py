"""Leases: which process holds something only one may hold at a time (the Discord gateway session), for how
long, and the fencing token that grows with every new holder.

Expiry is reckoned on the database's clock, the one clock every replica shares, so replicas on machines whose
clocks disagree still agree on when a lease ran out."""

from dataclasses import dataclass

from .database import Database

# Seconds since the epoch, as the database's own clock reads now.
DATABASE_NOW = {"sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
                "postgresql": "extract(epoch from clock_timestamp())::double precision"}


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    token: int
    expires_in: float


class Leases:
    def __init__(self, db: Database):
        self.db = db
        self.now = DATABASE_NOW[db.dialect]

    def acquire(self, name: str, holder: str, seconds: float) -> int | None:
        """Takes the lease for `seconds` when it is free, expired, or already `holder`'s; the fencing token then,
        else None. A new holder always gets a larger token than any before it."""
        with self.db.transaction(lock=f"lease:{name}"):
            self.db.execute("INSERT INTO leases (name, holder, token, expires_at) VALUES (?, '', 0, 0) "
                            "ON CONFLICT (name) DO NOTHING", [name])
            rows = self.db.rows(f"""UPDATE leases SET
                        token = CASE WHEN holder = ? THEN token ELSE token + 1 END,
                        holder = ?, expires_at = {self.now} + ?
                    WHERE name = ? AND (holder = ? OR expires_at <= {self.now})
                    RETURNING token""", [holder, holder, seconds, name, holder])
        return rows[0]["token"] if rows else None

    def renew(self, name: str, holder: str, token: int, seconds: float) -> bool:
        """Extends a lease still held, unexpired, under the same token; False when it was lost."""
        cursor = self.db.execute(f"""UPDATE leases SET expires_at = {self.now} + ?
                WHERE name = ? AND holder = ? AND token = ? AND expires_at > {self.now}""",
                                 [seconds, name, holder, token])
        return cursor.rowcount == 1

    def release(self, name: str, holder: str, token: int) -> None:
        """Ends the lease at once (a clean stop), so another process need not wait for it to run out."""
        self.db.execute("UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ? AND token = ?",
                        [name, holder, token])

    def current(self, name: str) -> Lease | None:
        rows = self.db.rows(f"SELECT holder, token, expires_at - {self.now} AS expires_in FROM leases "
                            "WHERE name = ?", [name])
        return Lease(name, rows[0]["holder"], rows[0]["token"], rows[0]["expires_in"]) if rows else None
