"""Counter operations: what staff do for a citizen standing in front of
them with an identity document, and nothing a citizen could do alone.

Every operation starts by checking the staff session (:meth:`Staff.require`: signed in,
not idle too long, account still active) and the document, and ends with an entry in
the audit log naming the staff member, the action and the person (masked).

A suspension (停用) also stops someone who never registered from registering online
(若健保卡尚未註冊，亦無法…申請註冊): it leaves a placeholder registration
without a password, which reactivation removes again.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.domain.accounts import Services, State
from kiosk.domain.codes import Code
from kiosk.domain.counter.staff import Staff, StaffSession
from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.id_documents import DocKind, IdDocument, check_document
from kiosk.domain.records import Account, Device
from kiosk.domain.validate import is_valid_id, normalize_household
from reader.card import CardData
from store.errors import DuplicateError

if TYPE_CHECKING:
    from kiosk.domain.counter.audit import Audit
    from kiosk.domain.counter.batch import Batch, BatchReport
    from kiosk.domain.i18n import Catalog

REASON_MIN, REASON_MAX = 2, 100


def suspend_reason(reason: str) -> str:
    """A 停用 reason is kept with the registration and in the audit log: 2 to 100
    characters once runs of white space are folded to one space."""
    reason = " ".join(reason.split())
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise InvalidInput("reason", "err.counter.reason", min=REASON_MIN, max=REASON_MAX)
    return reason
Progress = Callable[[int, int], None]


class BatchDesk(Protocol):
    """What a batch import runs on: the import and the audit log, over one store."""

    @property
    def batch(self) -> Batch: ...

    @property
    def audit(self) -> Audit: ...


BatchWorker = Callable[[], AbstractContextManager[BatchDesk]]
"""Opens a BatchDesk on a store of its own over the same file, for the import's worker
thread (a Store is shared between processes, not threads), and closes it after."""

CODE_PURPOSES = ("verify", "reset", "email_change")   # a suspension voids these


class CounterRegistration(Protocol):
    """What the desk asks of registration (kiosk.domain.registration.register), declared
    here so that the counter imports no other workflow: the composition root passes the
    real one."""

    def register_at_counter(self, card: CardData, password: str, password2: str,
                            email: str, phone: str, **extra: Any) -> Account: ...


class HolderDevices(Protocol):
    """What the desk asks of the app binding (kiosk.domain.binding.devices): a holder's
    bound phones, and the device code staff hand over or a suspension voids."""

    def of_holder(self, id_no: str) -> list[Device]: ...
    def code_for(self, id_no: str) -> Code: ...
    def void_code(self, id_no: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Person:
    """What the counter screen shows about one ID number (masking is the screen's job)."""

    id_no: str
    name: str
    state: State | None          # None: not registered
    email: str
    phone: str
    via: str                     # online, counter, phone, batch:<unit>; "" if never registered
    locks: tuple[str, ...]       # the doors closed right now: login, identity, phone, qr
    devices: int
    reason: str | None           # why it is suspended


class Counter:
    def __init__(self, services: Services, staff: Staff, registration: CounterRegistration,
                 devices: HolderDevices, batch_worker: BatchWorker | None = None) -> None:
        """``batch_worker`` (from the composition root, kiosk/wiring.py) is what
        :meth:`batch_importer` imports on; a Counter built without one imports nothing."""
        self.s = services
        self.staff = staff
        self.registration = registration
        self.devices = devices
        self.batch_worker = batch_worker
        self._locks = {"login": services.login_lock, "identity": services.identity_lock,
                       "phone": services.phone_lock, "qr": services.qr_lock}

    # -- the person and the document ------------------------------------------------
    def document(self, id_no: str, kind: str, number: str,
                 card: CardData | None = None) -> IdDocument:
        """Check the document against the person (the card or the account gives the birth
        date a household register needs)."""
        id_no = _id(id_no)
        birth = card.birth_date if card is not None and card.id_no == id_no else None
        if birth is None:
            account = self.s.accounts.get_by_id(id_no)
            if account and account.get("birth_date"):
                birth = date.fromisoformat(account["birth_date"])
        doc = check_document(kind, number, id_no, birth, self.s.clock.now().date())
        if doc.kind is DocKind.HOUSEHOLD:   # the register's 戶號 must be the person's
            known = (self.s.registry.person(id_no) or {}).get("household_no")
            if known and normalize_household(known) != doc.number:
                raise InvalidInput("doc_number", "err.doc.not_this_person")
        return doc

    def person(self, session: StaffSession, doc: IdDocument) -> Person:
        """Looking someone up is itself audited: it shows their contact data."""
        self.staff.require(session)
        id_no = doc.id_no
        self.staff.audit.record(session.staff_id, "look_up", id_no, document=doc.kind.value)
        return self._person(id_no)

    def _person(self, id_no: str) -> Person:
        account = self.s.accounts.get_by_id(id_no) or {}
        # phone authentication is also closed when strangers used up the tries on the
        # holder's number: the clerk sees it, and releasing it says so
        number = f"number:{account['phone']}" if account.get("phone") else None
        locks = tuple(name for name, lock in self._locks.items()
                      if lock.locked_until(id_no) is not None
                      or (name == "phone" and number and lock.locked_until(number)))
        via = "" if not account or account.get("placeholder") else (
            account.get("registered_via")
            or ("counter" if account.get("counter_document") else "online"))
        return Person(id_no, account.get("name", ""),
                      State(account["state"]) if account else None,
                      account.get("email") or "", account.get("phone") or "", via, locks,
                      len(self.devices.of_holder(id_no)) if account else 0,
                      (account.get("suspension") or {}).get("reason"))

    # -- operations -------------------------------------------------------------------
    def register(self, session: StaffSession, card: CardData, doc: IdDocument,
                 password: str, password2: str, email: str, phone: str) -> Account:
        """Counter registration: active at once, e-mail optional, the document recorded."""
        self.staff.require(session)
        if doc.id_no != card.id_no:
            raise InvalidInput("doc_number", "err.doc.not_this_person")
        account = self.registration.register_at_counter(
            card, password, password2, email, phone, registered_via="counter",
            counter_document=doc.as_record(), counter_staff=session.staff_id)
        self.staff.audit.record(session.staff_id, "register", card.id_no,
                                document=doc.kind.value, number=doc.masked())
        return account

    def suspend(self, session: StaffSession, doc: IdDocument, reason: str) -> Person:
        self.staff.require(session)
        id_no = doc.id_no
        reason = suspend_reason(reason)
        now = self.s.clock.now().isoformat(timespec="seconds")
        suspension = {"reason": reason, "at": now, "by": session.staff_id,
                      "document": doc.kind.value}

        def suspend(account: Account) -> dict[str, Any]:
            if account["state"] == State.SUSPENDED:
                raise KioskError("err.counter.already_suspended")
            return {"state": State.SUSPENDED.value,
                    "suspension": {**suspension, "from": account["state"]}}

        try:
            self.s.accounts.modify(id_no, suspend)
        except KeyError:   # never registered: a placeholder keeps online registration shut
            try:
                self.s.accounts.add({"id_no": id_no, "card_no": None, "name": "",
                                     "state": State.SUSPENDED.value, "password_hash": None,
                                     "email": "", "phone": "", "created_at": now,
                                     "placeholder": True,
                                     "suspension": {**suspension, "from": None}})
            except DuplicateError:   # registered elsewhere this very moment
                self.s.accounts.modify(id_no, suspend)
        for purpose in CODE_PURPOSES:
            self.s.codes.void(purpose, id_no)
        self.devices.void_code(id_no)
        self.staff.audit.record(session.staff_id, "suspend", id_no, reason=reason,
                                document=doc.kind.value)
        return self._person(id_no)

    def reactivate(self, session: StaffSession, doc: IdDocument) -> Person:
        """Back to the state before the suspension; a placeholder simply goes."""
        self.staff.require(session)
        id_no = doc.id_no
        account = self.s.accounts.get_by_id(id_no)
        if account is None or account["state"] != State.SUSPENDED:
            raise KioskError("err.counter.not_suspended")
        if account.get("placeholder"):
            self.s.accounts.remove(id_no)
        else:
            def restore(current: Account) -> dict[str, Any]:
                if current["state"] != State.SUSPENDED:
                    raise KioskError("err.counter.not_suspended")
                suspended = current.get("suspension")
                before = (suspended["from"] if suspended else None) or State.ACTIVE.value
                return {"state": before, "suspension": None}

            self.s.accounts.modify(id_no, restore)
        self.staff.audit.record(session.staff_id, "reactivate", id_no,
                                document=doc.kind.value)
        return self._person(id_no)

    def release_locks(self, session: StaffSession, doc: IdDocument) -> tuple[str, ...]:
        """Opens every door closed for this person (and clears the failure counts);
        returns the ones that were closed."""
        self.staff.require(session)
        id_no = doc.id_no
        closed = self._person(id_no).locks
        for lock in self._locks.values():
            lock.reset(id_no)
        account = self.s.accounts.get_by_id(id_no)
        if account and account.get("phone"):
            self.s.phone_lock.reset(f"number:{account['phone']}")
        self.staff.audit.record(session.staff_id, "release_locks", id_no,
                                released=list(closed), document=doc.kind.value)
        return closed

    def bind_device(self, session: StaffSession, doc: IdDocument) -> Code:
        """A device code for the holder's phone, made by staff for one who cannot do it alone."""
        self.staff.require(session)
        id_no = doc.id_no
        account = self.s.accounts.get_by_id(id_no)
        if account is None or account["state"] != State.ACTIVE:
            raise KioskError("err.counter.not_active")
        code = self.devices.code_for(id_no)
        self.staff.audit.record(session.staff_id, "bind_device", id_no,
                                document=doc.kind.value)
        return code

    # -- batch registration ---------------------------------------------------------------
    def batch_importer(self, session: StaffSession
                       ) -> Callable[[Path, Path, Catalog, Progress | None], BatchReport]:
        """整批註冊 from the staff screen, in two halves: the session is checked here, on
        the calling (UI) thread; the returned function imports on a worker thread, on a
        Store of its own over the same file (a Store is shared between processes, not
        threads), and audits the import there."""
        self.staff.require(session)
        if self.batch_worker is None:
            raise RuntimeError("this Counter was built without a batch worker")
        staff_id, worker = session.staff_id, self.batch_worker

        def run(path: Path, reports: Path, catalog: Catalog,
                progress: Progress | None = None) -> BatchReport:
            with worker() as desk:
                report = desk.batch.import_file(path, reports, catalog, progress)
                desk.audit.record(staff_id, "batch_import", unit=report.unit,
                                  imported=report.imported,
                                  already=report.already_registered,
                                  rejected=report.rejected)
            return report

        return run

def _id(id_no: str) -> str:
    id_no = id_no.strip().upper()
    if not is_valid_id(id_no):
        raise InvalidInput("id_no", "err.counter.id")
    return id_no
