"""THE manifest of the bureaus: everything that lists bureaus derives from `BUREAUS` below.

Per bureau: its service name, its label and its step's title in Chinese, the working days its step
may take (the deadline when the bureau gives none of its own, and the default of its clerk deadline),
the events it emits, the events (each with a condition on the form) whose arrival completes its step,
the events it consumes (source, type), the parts of the application form it receives, and the keys
its deployment supplies beyond the signing pair named after it (`keys`).

Derived from it: `contracts.events.EVENT_SOURCES` (who may emit what), the data-sharing receipt's
consumer map (`consumers`), the timeline's steps, step deadlines and completion rules
(`required_events`, `step_events`), the readiness check, the operator commands, the launcher's
process list, the pages' labels, the keys `onestop pki issue` makes and the Secrets the pods read.
Adding a bureau = one entry here + its service folder + its tests.

Pure data and pure functions of a form (a dict, as stored): no I/O, nothing of ours imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Form = dict[str, Any]

GATEWAY = "gateway"  # the front door is an event source too (the founder's submissions)
GATEWAY_EMITS = ("application_submitted", "application_corrected")
# Events any bureau may emit about its own step (they carry `bureau`).
STEP_EVENTS = ("task_queued", "step_progressed", "step_rejected")
# The bureaus that record a change of details (变更登记) and answer it with `change_recorded`;
# registration closes the change when every one of them has answered. The bank (when the founder
# reserved an account) updates its record and the reserved seals (预留印鉴) a change may outdate.
CHANGE_ANSWERERS = ("seal", "tax", "social_security", "housing_fund", "medical_insurance", "bank")
CHANGE_EVENTS = ("change_recorded",)
# Closing (注销): the same bureaus check their records and answer `clearance_answered`; registration
# deregisters when the notice has ended with no objection and every one of them has cleared.
CLOSING_ANSWERERS = CHANGE_ANSWERERS
CLOSING_EVENTS = ("clearance_answered",)
AFTER_START = CHANGE_EVENTS + CLOSING_EVENTS  # what an answering bureau emits after start-up
FROM_REGISTRATION = ("company_changed", "clearance_requested", "company_deregistered")
ANSWERED = FROM_REGISTRATION[:2]  # what every answering bureau handles; seal also voids on deregistration,
# and the bank lets a reservation never opened lapse
# The bank's account, sent on to tax (三方协议) and the insurance bureaus (direct debit).
BANK_ACCOUNT = ("bank", "bank_account_reserved")
TARGET_WORKING_DAYS = 2  # Wuhan's promise: a company started within 2 working days (DOMAIN.md §12)


def always(form: Form) -> bool:
    return True


def _seals(form: Form) -> dict[str, Any]:
    return form.get("seals") or {}


def _tax(form: Form) -> dict[str, Any]:
    return form.get("tax") or {}


@dataclass(frozen=True)
class Output:
    """An event that completes a bureau's step, when `wanted(form)` says the founder asked for it.
    `summary` is the founder's timeline line for it; `keep` the event fields the founder's outputs
    keep under `key` (the timeline needs no code of its own for such an event)."""

    event: str
    summary: str
    wanted: Callable[[Form], bool] = always
    key: str | None = None
    keep: tuple[str, ...] = ()


# How a secret setting's value is made (gateway/ops/pki.py makes each kind): the manifest names it only,
# since making a key is I/O. ed25519_pem: an Ed25519 private key, PEM PKCS#8 (registration's licence
# QR signature); aes256_base64: 32 random bytes in base64 (seal's key-encryption key).
KeyKind = Literal["ed25519_pem", "aes256_base64"]


@dataclass(frozen=True)
class Pair:
    """A further certificate and key the bureau signs with, as it asks kit.pki.identity for it
    (`<name>.pem`/`.key`; `ca`: an issuing CA below the root)."""

    name: str
    common_name: str
    ca: bool = False


@dataclass(frozen=True)
class SecretSetting:
    """A setting its config.yml reads raw with no default (`!raw_env_var "${NAME:}"`): a key the
    deployment supplies (on Kubernetes from its Secret onestop-keys-<bureau>)."""

    variable: str
    kind: KeyKind


@dataclass(frozen=True)
class Keys:
    """What a bureau's deployment supplies beyond the signing pair named after it."""

    pairs: tuple[Pair, ...] = ()
    settings: tuple[SecretSetting, ...] = ()


@dataclass(frozen=True)
class Bureau:
    name: str  # the Nameko service name = the event source = the database suffix
    label: str  # the authority, as the pages name it
    step_title: str  # what the founder gets from it
    target_working_days: int
    emits: tuple[str, ...]
    completes_on: tuple[Output, ...]
    consumes: tuple[tuple[str, str], ...]  # (source, event type)
    form_fields: tuple[str, ...]  # dotted paths of the application form this bureau receives
    task_kinds: dict[str, str]  # the kinds of its clerk tasks -> their label on the clerk pages
    requested: Callable[[Form], bool] = always  # does the founder want this step at all?
    keys: Keys = Keys()

    @property
    def module(self) -> str:
        return f"services.{self.name}.service"

    @property
    def config(self) -> str:
        return f"services/{self.name}/config.yml"

    def required_events(self, form: Form) -> set[str]:
        if not self.requested(form):
            return set()
        return {o.event for o in self.completes_on if o.wanted(form)}


# Step targets: 国办发〔2018〕32号 (seal <= 1, invoice <= 2 working days). Registration's clerk review
# and social security's clerk decision take 1 working day so the 2-working-day promise can hold
# (registration's config used to say 3 while the timeline said 1; the manifest says 1).
BUREAUS: tuple[Bureau, ...] = (
    Bureau(
        name="registration", label="登记机关（市场监管）", step_title="营业执照", target_working_days=1,
        emits=("review_started", "correction_requested", "application_rejected", "licence_issued",
               "licence_revoked", *FROM_REGISTRATION, "task_queued", "step_progressed"),
        completes_on=(Output("licence_issued", "营业执照已核发"),),
        consumes=((GATEWAY, "application_submitted"), (GATEWAY, "application_corrected"),
                  *((b, e) for b in CHANGE_ANSWERERS for e in AFTER_START)),
        form_fields=("*",),  # the whole form: registration is where it is examined
        task_kinds={"registration_review": "设立登记审核", "change_review": "变更登记审核"},
        keys=Keys(settings=(SecretSetting("LICENCE_SIGNING_KEY", "ed25519_pem"),)),  # the QR code's signature
    ),
    Bureau(
        name="seal", label="印章（公安）", step_title="印章刻制", target_working_days=1,
        emits=("seals_filed", "seals_delivered", *STEP_EVENTS, *AFTER_START),
        completes_on=(Output("seals_filed", "印章已刻制并完成公安备案"),
                      Output("seals_delivered", "实物印章已送达", lambda f: bool(_seals(f).get("physical")),
                             key="seal_delivery", keep=("delivery", "tracking_number", "delivered_at"))),
        consumes=(("registration", "licence_issued"), ("registration", "licence_revoked"),
                  *(("registration", e) for e in FROM_REGISTRATION)),
        form_fields=("seals", "legal_representative.name"),
        task_kinds={"engraving": "印章刻制", "police_filing": "公安备案", "dispatch": "印章寄送 / 交付",
                    "delivery": "印章送达"},
        requested=lambda f: bool(_seals(f).get("kinds")),
        # the seal maker of GB/T 38540 (a CA issuing the companies' electronic-seal certificates) and the
        # key that encrypts those seals' keys
        keys=Keys(pairs=(Pair("seal_ca", "武汉市公安局电子印章制作中心", ca=True),),
                  settings=(SecretSetting("SEAL_KEY_ENCRYPTION_KEY", "aes256_base64"),)),
    ),
    Bureau(
        name="tax", label="税务", step_title="税务登记与发票", target_working_days=2,
        emits=("tax_registered", "invoices_approved", *STEP_EVENTS, *AFTER_START),
        completes_on=(Output("tax_registered", "已完成税务登记", key="tax_registration",
                             keep=("taxpayer_id", "taxpayer_type", "tax_office")),
                      Output("invoices_approved", "发票已核定", lambda f: bool(_tax(f).get("invoice_kinds")),
                             key="invoices", keep=("invoice_kinds", "monthly_quota"))),
        consumes=(("registration", "licence_issued"), ("registration", "licence_revoked"),
                  *(("registration", e) for e in ANSWERED), BANK_ACCOUNT),
        form_fields=("tax", "legal_representative", "contact.phone"),
        task_kinds={"invoice_approval": "发票核定"},
    ),
    Bureau(
        name="social_security", label="人社（社保）", step_title="社保与就业登记", target_working_days=1,
        emits=("employer_registered", "employees_enrolled", *STEP_EVENTS, *AFTER_START),
        completes_on=(Output("employer_registered", "已完成单位社保登记", key="social_security",
                             keep=("employer_number", "insurances")),
                      Output("employees_enrolled", "员工已参保", lambda f: bool(f.get("employees")))),
        consumes=(("registration", "licence_issued"), ("registration", "licence_revoked"),
                  *(("registration", e) for e in ANSWERED), BANK_ACCOUNT),
        form_fields=("employees", "business_scope"),  # the scope: the work-injury risk class
        task_kinds={"employer_registration": "单位参保审核", "employee_enrolment": "员工参保审核"},
    ),
    # 医疗保障局 (since the 2018 reform): the unit's 医保登记 and its staff in 职工基本医疗保险 with 生育保险.
    # Every licensed unit is registered (a later hire needs it); the step is the founder's when the form
    # lists employees, as social security's enrolment is.
    Bureau(
        name="medical_insurance", label="医疗保障局", step_title="医保登记", target_working_days=1,
        emits=("medical_insurance_registered", *STEP_EVENTS, *AFTER_START),
        completes_on=(Output("medical_insurance_registered", "已完成单位医保登记，员工已参加职工医保和生育保险",
                             key="medical_insurance", keep=("unit_number", "insurances")),),
        consumes=(("registration", "licence_issued"), ("registration", "licence_revoked"),
                  *(("registration", e) for e in ANSWERED), BANK_ACCOUNT),
        form_fields=("employees",),
        task_kinds={"medical_registration": "单位医保登记审核"},
        requested=lambda f: bool(f.get("employees")),
    ),
    # 住房公积金管理条例 art. 14: a new unit registers within 30 days; we aim at the licence's day + 1.
    Bureau(
        name="housing_fund", label="住房公积金管理中心", step_title="住房公积金缴存登记", target_working_days=1,
        emits=("housing_fund_registered", *STEP_EVENTS, *AFTER_START),
        completes_on=(Output("housing_fund_registered", "已完成住房公积金单位缴存登记", key="housing_fund",
                             keep=("unit_account", "employer_rate", "employee_rate")),),
        consumes=(("registration", "licence_issued"), ("registration", "licence_revoked"),
                  *(("registration", e) for e in ANSWERED), BANK_ACCOUNT),
        form_fields=("employees", "housing_fund"),
        task_kinds={"deposit_registration": "单位缴存登记审核"},
        requested=lambda f: bool(f.get("housing_fund")),
    ),
    # A participating bank (DEMO data: contracts/data/bank_branches_wuhan.json). Its automatic part (the
    # appointment and the pre-assigned basic account) follows the licence at once; the founder then
    # opens the account at the counter, which a bank clerk records (account_opened) or refuses.
    Bureau(
        name="bank", label="开户银行", step_title="银行预约开户", target_working_days=2,
        emits=("bank_account_reserved", "account_opened", *STEP_EVENTS, *AFTER_START),
        completes_on=(Output("bank_account_reserved", "已预约银行开户并预分配基本存款账户账号", key="bank",
                             keep=("bank_name", "branch_id", "branch_name", "branch_address", "account_number",
                                   "appointment_date", "appointment_slot", "shared_with")),
                      Output("account_opened", "基本存款账户已在银行柜台开立", key="bank_opened",
                             keep=("account_number", "opened_at"))),
        consumes=(("registration", "licence_issued"), ("registration", "licence_revoked"),
                  *(("registration", e) for e in FROM_REGISTRATION)),  # deregistered: a reservation lapses
        form_fields=("bank", "seals.kinds", "legal_representative.name", "contact.phone"),
        task_kinds={"account_opening": "柜台开户", "account_closing": "柜台销户"},
        requested=lambda f: bool(f.get("bank")),
    ),
)

NAMES: tuple[str, ...] = tuple(b.name for b in BUREAUS)
BY_NAME: dict[str, Bureau] = {b.name: b for b in BUREAUS}
# every process that emits events, and what each may emit
SOURCES: dict[str, tuple[str, ...]] = {GATEWAY: GATEWAY_EMITS, **{b.name: b.emits for b in BUREAUS}}
# every Nameko service: the bureaus, and the gateway's tracker (it consumes every bureau event)
SERVICES: tuple[str, ...] = (*NAMES, GATEWAY)
LABELS: dict[str, str] = {b.name: b.label for b in BUREAUS}
STEP_TITLES: dict[str, str] = {b.name: b.step_title for b in BUREAUS}
TARGET_DAYS: dict[str, int] = {b.name: b.target_working_days for b in BUREAUS}
TASK_KINDS: dict[str, str] = {kind: label for b in BUREAUS for kind, label in b.task_kinds.items()}
OUTPUTS: tuple[Output, ...] = tuple(o for b in BUREAUS for o in b.completes_on)


def bureau(name: str) -> Bureau:
    return BY_NAME[name]


def consumers() -> dict[tuple[str, str], tuple[str, ...]]:
    """(source, event type) -> the bureaus that consume it, in manifest order."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for b in BUREAUS:
        for key in b.consumes:
            out[key] = (*out.get(key, ()), b.name)
    return out


def required_events(form: Form) -> set[str]:
    """Every event that must be in before the application is complete."""
    return set().union(*(b.required_events(form) for b in BUREAUS))


def completing_bureau() -> dict[str, str]:
    """event type -> the bureau whose step it completes."""
    return {o.event: b.name for b in BUREAUS for o in b.completes_on}
