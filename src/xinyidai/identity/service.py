"""Use cases of identity: organisations, users, real-name registration, login sessions, API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload

from xinyidai import clock, crypto, pii
from xinyidai.audit import service as audit_service
from xinyidai.auth.dependencies import PrincipalSource
from xinyidai.auth.enums import OrgKind, OrgStatus, Role
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.errors import DomainError, NotFound
from xinyidai.identity import passwords, policy, security
from xinyidai.identity.exceptions import (
    SUSPENDED_MESSAGE,
    SUSPENDED_MESSAGE_EN,
    ClientLocked,
    CommitmentRequired,
    DuplicateRegistration,
    InvalidClientCredentials,
    InvalidIdentityInput,
    OrganisationNotFound,
    OrganisationSuspended,
    RealNameMismatch,
    WrongPassword,
)
from xinyidai.identity.models import ApiClient, LoginSession, LoginThrottle, Organisation, User, UserRole

# Messages to users and organisations, for the contexts above identity (which call this module, not notifications).
from xinyidai.identity.notifications.service import notify as notify
from xinyidai.identity.notifications.service import notify_each as notify_each
from xinyidai.identity.notifications.service import platform_operator_ids as platform_operator_ids
from xinyidai.identity.notifications.service import user_ids_with_role as user_ids_with_role
from xinyidai.identity.notifications.sms import send_sms as send_sms
from xinyidai.identity.notifications.sms import use_phone_book as use_phone_book
from xinyidai.identity.onboarding.models import InstitutionApplication, UsageCommitment
from xinyidai.identity.schemas import (
    ApiClientCreate,
    ApiClientCreated,
    EnterpriseRegistrationCreate,
    OrganisationCreate,
    TokenRead,
    UserCreate,
    UserRead,
)
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import InvalidCode, validate_id_number, validate_uscc


def check_password_strength(password: str, *, username: str, display_name: str) -> None:
    """Refuse passwords that are short, lack letters or digits, are common, or contain the user's own names."""
    problem = passwords.weakness(password, names=(username, display_name))
    if problem is not None:
        raise InvalidIdentityInput(problem, message_en="password too weak: at least 10 characters with letters and "
                                   "digits, not a common password, not containing your names")


# Organisations -----------------------------------------------------------------------------------


def create_organisation(session: Session, *, organisation_in: OrganisationCreate) -> Organisation:
    """Add an organisation; a USCC, when given, must be valid and unused, and so must the market entity."""
    uscc = None
    if organisation_in.uscc:
        try:
            uscc = validate_uscc(organisation_in.uscc).code
        except InvalidCode as exc:
            raise InvalidIdentityInput(str(exc), message_en="invalid USCC") from exc
        if session.scalars(select(Organisation).where(Organisation.uscc == uscc)).first():
            raise DuplicateRegistration(f"统一社会信用代码{uscc}的机构已存在", message_en="organisation exists")
    if organisation_in.kind == OrgKind.ENTERPRISE and organisation_in.enterprise_id is None:
        raise InvalidIdentityInput("企业机构必须关联一个市场主体", message_en="enterprise organisation needs an entity")
    if organisation_in.enterprise_id is not None:
        # One organisation acts for a market entity: refused here rather than by the unique key (a 500).
        registry_service.get(session, enterprise_id=organisation_in.enterprise_id)
        if get_enterprise_organisation(session, enterprise_id=organisation_in.enterprise_id) is not None:
            raise DuplicateRegistration("该市场主体已有机构，不能重复创建",
                                        message_en="this entity has an organisation already")
    organisation = Organisation(
        name=organisation_in.name, kind=organisation_in.kind, uscc=uscc,
        enterprise_id=organisation_in.enterprise_id, status=OrgStatus.ACTIVE, created_at=clock.now(),
    )
    session.add(organisation)
    session.flush()
    return organisation


def get_organisation(session: Session, *, organisation_id: int) -> Organisation:
    """The organisation with this id."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise OrganisationNotFound("未找到该机构", message_en="organisation not found")
    return organisation


def organisation_names_query() -> Select[int, str]:
    """Every organisation as rows (organisation_id, name): a query for other contexts to join, never a table."""
    return select(Organisation.id.label("organisation_id"), Organisation.name.label("name"))


def registered_enterprises_query() -> Select[int | None]:
    """Every market entity that has registered on the platform (an organisation acts for it), as rows
    (enterprise_id): a query for other contexts to join (outreach's coverage), never a table."""
    return select(Organisation.enterprise_id.label("enterprise_id")).where(Organisation.enterprise_id.is_not(None))


def list_organisations(session: Session, *, kind: OrgKind | None = None) -> Sequence[Organisation]:
    """Organisations, optionally of one kind, by name."""
    query = select(Organisation).order_by(Organisation.kind, Organisation.name)
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    return session.scalars(query).all()


def get_enterprise_organisation(session: Session, *, enterprise_id: int) -> Organisation | None:
    """The organisation that acts for a market entity, if it has registered."""
    return session.scalars(select(Organisation).where(Organisation.enterprise_id == enterprise_id)).one_or_none()


def set_organisation_status(session: Session, *, organisation_id: int, status: OrgStatus) -> Organisation:
    """Suspend or reactivate an organisation. A suspension refuses its live sessions at once, each saying why (see
    `principal_from_session_token`); reactivation ends them, so nobody resumes a session begun before."""
    organisation = get_organisation(session, organisation_id=organisation_id)
    was_suspended = organisation.status == OrgStatus.SUSPENDED
    organisation.status = status
    if was_suspended and status != OrgStatus.SUSPENDED:
        user_ids = select(User.id).where(User.organisation_id == organisation_id)
        for login in session.scalars(select(LoginSession).where(
            LoginSession.user_id.in_(user_ids), LoginSession.revoked_at.is_(None)
        )):
            login.revoked_at = clock.now()
    session.flush()
    return organisation


# Users -------------------------------------------------------------------------------------------


def create_user(session: Session, *, user_in: UserCreate, must_change_password: bool = False) -> User:
    """Add a portal user with roles its organisation's kind allows; `must_change_password` for a password that was
    shown to someone else (a generated first password): the user must change it before doing anything."""
    organisation = get_organisation(session, organisation_id=user_in.organisation_id)
    invalid = policy.invalid_roles_for(OrgKind(organisation.kind), user_in.roles)
    if invalid:
        raise InvalidIdentityInput(
            f"角色{', '.join(invalid)}不适用于该类机构", message_en=f"roles {invalid} not allowed for this kind"
        )
    username = policy.normalise_username(user_in.username)
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise DuplicateRegistration(f"用户名“{username}”已被使用", message_en="username taken")
    check_password_strength(user_in.password, username=username, display_name=user_in.display_name)
    user = User(
        organisation_id=organisation.id, username=username, display_name=user_in.display_name,
        password_hash=security.hash_password(user_in.password), is_active=True, created_at=clock.now(),
        must_change_password=must_change_password,
    )
    user.role_grants = [UserRole(role=role) for role in sorted(set(user_in.roles))]
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, *, user_id: int) -> User:
    """The user with this id."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("未找到该用户", message_en="user not found")
    return user


def list_users(session: Session, *, organisation_id: int | None = None) -> Sequence[User]:
    """Users, optionally of one organisation."""
    query = select(User).order_by(User.organisation_id, User.username)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return session.scalars(query).all()


def change_password(session: Session, *, user_id: int, current_password: str, new_password: str,
                    keep_session_id: str | None = None, ip_address: str | None = None) -> User:
    """The user changes their own password: the current one must be right and the new one strong and different.
    The user's other sessions end, so whoever knew the old password is logged out."""
    user = get_user(session, user_id=user_id)
    if not security.verify_password(user.password_hash, current_password):
        audit_service.record(session, action="identity.password_changed", outcome="failure",
                             actor=audit_service.Actor.user(user.id, organisation_id=user.organisation_id),
                             ip_address=ip_address)
        raise WrongPassword("当前密码不正确", message_en="the current password is wrong")
    if new_password == current_password:
        raise InvalidIdentityInput("新密码不能与当前密码相同", message_en="the new password must differ")
    check_password_strength(new_password, username=user.username, display_name=user.display_name)
    user.password_hash = security.hash_password(new_password)
    user.must_change_password = False
    for login_session in session.scalars(select(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))):
        if login_session.id != keep_session_id:
            login_session.revoked_at = clock.now()
    audit_service.record(session, action="identity.password_changed",
                         actor=audit_service.Actor.user(user.id, organisation_id=user.organisation_id),
                         ip_address=ip_address)
    session.flush()
    return user


# A password hash no password matches: a user who signs in only through the network's identity provider.
NO_PASSWORD = "!federated"


def create_federated_organisation(session: Session, *, name: str, kind: OrgKind, uscc: str | None,
                                  enterprise_id: int | None) -> Organisation:
    """An organisation made on the first single sign-on of one of its people from another node of the network:
    a firm whose market entity is registered at its home node and not here is linked to no entity (its pages find
    nothing of its own here) but keeps its USCC, so the entity links up once it is registered here."""
    if kind in (OrgKind.PLATFORM_OPERATOR, OrgKind.GOVERNMENT_DEPARTMENT):
        raise InvalidIdentityInput("该类机构不能通过统一身份认证创建", message_en="kind not created by sign-on")
    if kind != OrgKind.ENTERPRISE or enterprise_id is not None:
        return create_organisation(session, organisation_in=OrganisationCreate(
            name=name, kind=kind, uscc=uscc, enterprise_id=enterprise_id))
    try:
        code = validate_uscc(uscc or "").code
    except InvalidCode as exc:
        raise InvalidIdentityInput(str(exc), message_en="invalid USCC") from exc
    if session.scalars(select(Organisation).where(Organisation.uscc == code)).first():
        raise DuplicateRegistration(f"统一社会信用代码{code}的机构已存在", message_en="organisation exists")
    organisation = Organisation(name=name, kind=kind, uscc=code, enterprise_id=None, status=OrgStatus.ACTIVE,
                                created_at=clock.now())
    session.add(organisation)
    session.flush()
    return organisation


def create_federated_user(session: Session, *, organisation_id: int, username: str, display_name: str,
                          roles: list[Role]) -> User:
    """A user who signs in only through the network's identity provider: no password of this node opens it."""
    organisation = get_organisation(session, organisation_id=organisation_id)
    invalid = policy.invalid_roles_for(OrgKind(organisation.kind), roles)
    if invalid:
        raise InvalidIdentityInput(f"角色{', '.join(invalid)}不适用于该类机构",
                                   message_en=f"roles {invalid} not allowed for this kind")
    key = policy.normalise_username(username)
    if session.scalars(select(User).where(User.username == key)).first() is not None:
        raise DuplicateRegistration(f"用户名“{key}”已被使用", message_en="username taken")
    user = User(organisation_id=organisation.id, username=key, display_name=display_name, password_hash=NO_PASSWORD,
                is_active=True, created_at=clock.now())
    user.role_grants = [UserRole(role=role) for role in sorted(set(roles))]
    session.add(user)
    session.flush()
    return user


def find_organisation_by_uscc(session: Session, *, uscc: str) -> Organisation | None:
    """The organisation holding this USCC, if any."""
    return session.scalars(select(Organisation).where(Organisation.uscc == uscc)).first()


def to_user_read(user: User) -> UserRead:
    """A user as listed to administrators."""
    return UserRead(
        id=user.id, organisation_id=user.organisation_id, organisation_name=user.organisation.name,
        username=user.username, display_name=user.display_name, roles=sorted(Role(r) for r in user.roles),
        is_active=user.is_active, last_login_at=user.last_login_at,
    )


def register_enterprise_user(session: Session, *, registration_in: EnterpriseRegistrationCreate) -> User:
    """Real-name registration: USCC, legal representative and ID must match the registry source."""
    try:
        uscc = validate_uscc(registration_in.uscc).code
        id_number = validate_id_number(registration_in.id_number, today=clock.today())
    except InvalidCode as exc:
        raise InvalidIdentityInput(str(exc), message_en="invalid code") from exc
    check_password_strength(registration_in.password, username=policy.normalise_username(registration_in.username),
                            display_name=registration_in.display_name)
    result = registry_service.verify_real_name(
        session, uscc=uscc, legal_rep_name=registration_in.legal_rep_name, id_number=id_number
    )
    if not result.matched or result.enterprise_id is None:
        raise RealNameMismatch(
            "实名核验未通过：统一社会信用代码、法定代表人（经营者）姓名与身份证号码不匹配",
            message_en="real-name verification failed",
        )
    if get_enterprise_organisation(session, enterprise_id=result.enterprise_id) is not None:
        raise DuplicateRegistration(
            "该市场主体已完成注册，请直接登录；如忘记账号请联系平台客服",
            message_en="this entity is registered already",
        )
    enterprise = registry_service.get(session, enterprise_id=result.enterprise_id)
    organisation = create_organisation(session, organisation_in=OrganisationCreate(
        name=enterprise.name, kind=OrgKind.ENTERPRISE, uscc=uscc, enterprise_id=enterprise.id,
    ))
    user = create_user(session, user_in=UserCreate(
        organisation_id=organisation.id, username=registration_in.username,
        display_name=registration_in.display_name, password=registration_in.password,
        roles=[Role.ENTERPRISE_ADMIN],
    ))
    if registration_in.mobile:
        set_mobile(session, user_id=user.id, mobile=registration_in.mobile)
    audit_service.record(
        session, action="identity.enterprise_registered",
        actor=audit_service.Actor.user(user.id, organisation_id=organisation.id), subject_type="enterprise",
        subject_id=enterprise.id, enterprise_id=enterprise.id, purpose="实名注册",
    )
    return user


# Mobile numbers ----------------------------------------------------------------------------------

MOBILE_CONTEXT = "user_account.mobile"


def set_mobile(session: Session, *, user_id: int, mobile: str | None, ip_address: str | None = None) -> User:
    """The user gives (or, with None or "", removes) their own mobile number, where the platform texts them."""
    user = get_user(session, user_id=user_id)
    if mobile is None or not mobile.strip():
        user.mobile_cipher = user.mobile_masked = None
    else:
        number = pii.normalise_mobile(mobile.strip())
        if number is None:
            raise InvalidIdentityInput("手机号码应为11位中国大陆手机号", message_en="invalid mobile number")
        user.mobile_cipher = crypto.encrypt(number, context=MOBILE_CONTEXT)
        user.mobile_masked = pii.mask_mobile(number)
    audit_service.record(session, action="identity.mobile_changed",
                         actor=audit_service.Actor.user(user.id, organisation_id=user.organisation_id),
                         subject_type="user_account", subject_id=user.id, ip_address=ip_address,
                         detail={"given": user.mobile_cipher is not None})
    session.flush()
    return user


def mobile_of(session: Session, *, user_id: int) -> str | None:
    """The user's mobile number in clear, for the text-message gateway only (None: they gave none)."""
    user = session.get(User, user_id)
    if user is None or user.mobile_cipher is None:
        return None
    return crypto.decrypt(user.mobile_cipher, context=MOBILE_CONTEXT)


def reencrypt_mobiles(session: Session, *, after_id: int = 0, limit: int = 1000,
                      everything: bool = False) -> tuple[int, int | None]:
    """Re-encrypt the next `limit` users' mobile numbers after `after_id` under the active key; returns how many
    changed and the last id looked at (None: no rows left). Only ciphertexts made with another key are touched
    unless `everything`."""
    query = select(User).where(User.id > after_id, User.mobile_cipher.is_not(None)).order_by(User.id).limit(limit)
    if not everything:
        current = f"v1.{get_settings().active_data_key_id}."
        query = query.where(~User.mobile_cipher.startswith(current, autoescape=True))
    rows = session.scalars(query).all()
    for user in rows:
        assert user.mobile_cipher is not None
        user.mobile_cipher = crypto.rotate(user.mobile_cipher, context=MOBILE_CONTEXT)
    session.flush()
    return len(rows), rows[-1].id if rows else None


# Portal login ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    """The result of a login attempt; failures are results, not exceptions, so they are recorded."""

    ok: bool
    user: User | None = None
    token: str | None = None
    login_session: LoginSession | None = None
    locked_until: datetime | None = None
    message: str = ""


def _throttle_rule() -> policy.ThrottleRule:
    settings = get_settings()
    return policy.ThrottleRule(
        max_failures=settings.login_max_failures,
        window=timedelta(minutes=settings.login_failure_window_minutes),
        lockout=timedelta(minutes=settings.login_lockout_minutes),
    )


def _locked_throttle(session: Session, *, key: str) -> LoginThrottle:
    """The throttle row of `key`, created if absent and locked until the transaction ends: concurrent attempts on
    one key wait here, so each sees every failure committed before it and none is lost (on PostgreSQL a row lock;
    SQLite serialises writers anyway). The insert does nothing where the row exists, so a first failure from many
    callers at once is never a unique violation."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle).values(username_key=key, failure_count=0)
                    .on_conflict_do_nothing(index_elements=[LoginThrottle.username_key]))
    return session.scalars(
        select(LoginThrottle).where(LoginThrottle.username_key == key).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _state_of(throttle: LoginThrottle) -> policy.ThrottleState:
    return policy.ThrottleState(failure_count=throttle.failure_count, first_failure_at=throttle.first_failure_at,
                                locked_until=throttle.locked_until)


def _count_failure(throttle: LoginThrottle, *, now: datetime) -> policy.ThrottleState:
    """One more failure on a locked throttle row; the state after it."""
    state = _throttle_rule().after_failure(_state_of(throttle), now)
    throttle.failure_count = state.failure_count
    throttle.first_failure_at = state.first_failure_at
    throttle.locked_until = state.locked_until
    return state


def _clear(throttle: LoginThrottle) -> None:
    """A success forgets the failures before it (the row stays, to be locked by the next attempt)."""
    throttle.failure_count, throttle.first_failure_at, throttle.locked_until = 0, None, None


def _minutes_left(locked_until: datetime, now: datetime) -> int:
    return max(1, int((locked_until - now).total_seconds() // 60) + 1)


def check_credentials(session: Session, *, username: str, password: str, ip_address: str | None = None,
                      via: str | None = None) -> LoginOutcome:
    """Check a username and password under the lockout throttle, opening no session: a failure is counted and
    audited, a success clears the count. `via` names who asked when it is not this node's login form (another
    node's single sign-on), and is written to the audit."""
    key = policy.normalise_username(username)[:64]
    now = clock.now()
    extra = {"via": via} if via else {}
    throttle = _locked_throttle(session, key=key)
    state = _state_of(throttle)
    if state.is_locked(now):
        assert state.locked_until is not None
        audit_service.record(session, actor=audit_service.Actor.public(), action="identity.login", outcome="locked",
                             ip_address=ip_address,
                             detail={"username": key, **extra})
        minutes = _minutes_left(state.locked_until, now)
        return LoginOutcome(ok=False, locked_until=state.locked_until,
                            message=f"登录失败次数过多，账号已临时锁定，请{minutes}分钟后再试")
    user = session.scalars(select(User).where(User.username == key)).one_or_none()
    password_ok = security.verify_password(user.password_hash if user else None, password)
    usable = (
        user is not None and password_ok and user.is_active
        and user.organisation.status == OrgStatus.ACTIVE
    )
    if not usable:
        new_state = _count_failure(throttle, now=now)
        audit_service.record(
            session, action="identity.login", outcome="failure", ip_address=ip_address,
            actor=audit_service.Actor.user(user.id) if user else audit_service.Actor.public(),
            detail={"username": key, **extra},
        )
        session.flush()
        if new_state.is_locked(now):
            return LoginOutcome(ok=False, locked_until=new_state.locked_until,
                                message="登录失败次数过多，账号已临时锁定，请稍后再试")
        if user is not None and password_ok and user.organisation.status == OrgStatus.SUSPENDED:
            # Only someone who knows the password learns why: the institution is suspended.
            return LoginOutcome(ok=False, message=SUSPENDED_MESSAGE)
        return LoginOutcome(ok=False, message="用户名或密码不正确")
    assert user is not None
    _clear(throttle)
    if security.needs_rehash(user.password_hash):
        # A hash of older parameters (security.py): made again now, while the password is at hand.
        user.password_hash = security.hash_password(password)
    session.flush()
    return LoginOutcome(ok=True, user=user)


def open_session(session: Session, *, user: User, ip_address: str | None = None,
                 detail: dict[str, Any] | None = None) -> LoginOutcome:
    """Open a portal session for a user whose identity is established (by password, or by a provider the network
    trusts); audited as a login."""
    now = clock.now()
    token = security.new_token()
    login_session = LoginSession(
        id=security.digest(token), user_id=user.id, csrf_token=security.new_token(24), created_at=now,
        expires_at=now + timedelta(minutes=get_settings().session_ttl_minutes), ip_address=ip_address,
    )
    session.add(login_session)
    user.last_login_at = now
    audit_service.record(session, action="identity.login", ip_address=ip_address,
                         actor=audit_service.Actor.user(user.id, organisation_id=user.organisation_id),
                         detail=detail)
    session.flush()
    return LoginOutcome(ok=True, user=user, token=token, login_session=login_session)


def login(session: Session, *, username: str, password: str, ip_address: str | None = None) -> LoginOutcome:
    """Check a username and password, throttling repeated failures; open a session on success."""
    checked = check_credentials(session, username=username, password=password, ip_address=ip_address)
    if not checked.ok or checked.user is None:
        return checked
    return open_session(session, user=checked.user, ip_address=ip_address)


def logout(session: Session, *, session_id: str) -> None:
    """End a portal session."""
    login_session = session.get(LoginSession, session_id)
    if login_session is not None and login_session.revoked_at is None:
        login_session.revoked_at = clock.now()
        audit_service.record(session, action="identity.logout", actor=audit_service.Actor.user(login_session.user_id))
        session.flush()


def principal_for_user(user: User, *, session_id: str | None = None) -> Principal:
    """The Principal a user acts as."""
    organisation = user.organisation
    return Principal(
        organisation_id=organisation.id, organisation_kind=OrgKind(organisation.kind),
        roles=frozenset(Role(r) for r in user.roles), user_id=user.id,
        enterprise_id=organisation.enterprise_id, display_name=user.display_name, session_id=session_id,
        must_change_password=user.must_change_password,
    )


def principal_named(session: Session, *, username: str) -> Principal:
    """The principal of the user with this username, as an operator types it on the command line."""
    user = session.scalars(select(User).where(User.username == policy.normalise_username(username))).one_or_none()
    if user is None:
        raise NotFound(f"没有用户“{username}”", message_en=f"no user named {username!r}")
    return principal_for_user(user)


def principal_from_session_token(session: Session, *, token: str) -> tuple[Principal, LoginSession] | None:
    """The caller behind a session cookie, if the session is live and the account usable."""
    # One query for the session, its user, the organisation and the roles: every logged-in request pays it.
    found = session.execute(
        select(LoginSession, User).join(User, User.id == LoginSession.user_id)
        .options(joinedload(User.role_grants)).where(LoginSession.id == security.digest(token))
    ).unique().one_or_none()
    login_session, user = found if found is not None else (None, None)
    if login_session is None or login_session.expires_at <= clock.now() or login_session.revoked_at is not None:
        return None  # a dead session (logged out, expired) is no one, even on public pages and the login form
    if user is not None and user.organisation.status == OrgStatus.SUSPENDED:
        # A live session of a suspended institution: say why rather than ask for a login that would fail.
        raise OrganisationSuspended(SUSPENDED_MESSAGE, message_en=SUSPENDED_MESSAGE_EN)
    if user is None or not user.is_active or user.organisation.status != OrgStatus.ACTIVE:
        return None
    return principal_for_user(user, session_id=login_session.id), login_session


# API clients -------------------------------------------------------------------------------------


def create_api_client(session: Session, *, client_in: ApiClientCreate) -> ApiClientCreated:
    """Issue client credentials to an institution; the secret is returned once."""
    organisation = get_organisation(session, organisation_id=client_in.organisation_id)
    if organisation.kind == OrgKind.ENTERPRISE:
        raise InvalidIdentityInput("市场主体不能开通机构接口", message_en="enterprises get no API clients")
    invalid = policy.invalid_roles_for(OrgKind(organisation.kind), client_in.roles)
    if Role.INSTITUTION_ADMIN in client_in.roles:
        invalid.append(Role.INSTITUTION_ADMIN)  # administration is for people, never for a system
    if invalid:
        raise InvalidIdentityInput(
            f"角色{', '.join(invalid)}不适用于该类机构", message_en=f"roles {invalid} not allowed for this kind"
        )
    _require_usage_commitment(session, organisation=organisation)
    secret = security.new_token(32)
    client = ApiClient(
        client_id="xyd_" + security.new_token(12), secret_hash=security.hash_password(secret),
        organisation_id=organisation.id, name=client_in.name, roles=sorted(set(client_in.roles)),
        is_active=True, created_at=clock.now(),
    )
    session.add(client)
    session.flush()
    return ApiClientCreated(id=client.id, client_id=client.client_id, client_secret=secret,
                            roles=[Role(r) for r in client.roles])


def _require_usage_commitment(session: Session, *, organisation: Organisation) -> None:
    """An institution that connected through an application gets API clients only once it has signed the
    usage commitment and while it is not suspended. (Organisations the operator set up directly — departments,
    the demo's banks — predate onboarding and are not gated.)"""
    onboarded = session.scalars(select(InstitutionApplication.id).where(
        InstitutionApplication.organisation_id == organisation.id)).first()
    if onboarded is None:
        return
    if organisation.status != OrgStatus.ACTIVE:
        raise OrganisationSuspended(SUSPENDED_MESSAGE, message_en=SUSPENDED_MESSAGE_EN)
    signed = session.scalars(select(UsageCommitment.id).where(
        UsageCommitment.organisation_id == organisation.id)).first()
    if signed is None:
        raise CommitmentRequired("机构管理员签署《信息使用承诺书》后方可开通接口",
                                 message_en="the usage commitment must be signed before API clients are issued")


@dataclass(frozen=True)
class TokenOutcome:
    """A token request's result: the token, or the refusal to raise once the failure it counts is committed."""

    token: TokenRead | None = None
    refusal: DomainError | None = None


def client_throttle_key(client_id: str) -> str:
    """The key under which a client id's failed token requests are counted (apart from usernames, which hold no
    colon)."""
    return ("client:" + client_id.strip())[:64]


def _client_locked(locked_until: datetime, now: datetime) -> ClientLocked:
    minutes = _minutes_left(locked_until, now)
    return ClientLocked(f"客户端凭证错误次数过多，已临时锁定，请{minutes}分钟后再试",
                        message_en=f"too many failed attempts: locked for {minutes} minutes",
                        retry_after_minutes=minutes)


def issue_client_token(session: Session, *, client_id: str, client_secret: str) -> TokenOutcome:
    """OAuth2 client-credentials grant: a short-lived signed bearer token. Wrong secrets are throttled per client
    id as logins are per name; the caller commits a refusal too, so that its failure counts."""
    now = clock.now()
    throttle = _locked_throttle(session, key=client_throttle_key(client_id))
    state = _state_of(throttle)
    if state.is_locked(now):
        assert state.locked_until is not None
        audit_service.record(session, action="identity.token_issued", outcome="locked",
                             actor=audit_service.Actor.public(), detail={"client_id": client_id[:64]})
        return TokenOutcome(refusal=_client_locked(state.locked_until, now))
    client = session.scalars(select(ApiClient).where(ApiClient.client_id == client_id)).one_or_none()
    secret_ok = security.verify_password(client.secret_hash if client else None, client_secret)
    if client is None or not secret_ok or not client.is_active or client.organisation.status != OrgStatus.ACTIVE:
        new_state = _count_failure(throttle, now=now)
        caller = audit_service.Actor.api_client(client.id) if client else audit_service.Actor.public()
        audit_service.record(session, action="identity.token_issued", outcome="failure", actor=caller,
                             detail={"client_id": client_id[:64]})
        session.flush()
        if new_state.locked_until is not None and new_state.is_locked(now):
            return TokenOutcome(refusal=_client_locked(new_state.locked_until, now))
        return TokenOutcome(refusal=InvalidClientCredentials("客户端凭证无效", message_en="invalid client credentials"))
    _clear(throttle)
    if security.needs_rehash(client.secret_hash):
        client.secret_hash = security.hash_password(client_secret)
    settings = get_settings()
    token = security.issue_token(
        secret=settings.secret_key.get_secret_value(), issuer=settings.token_issuer,
        subject=f"client:{client.id}", claims={"org": client.organisation_id, "roles": list(client.roles)},
        now=now, ttl=timedelta(seconds=settings.token_ttl_seconds),
    )
    client.last_used_at = now
    audit_service.record(session, action="identity.token_issued",
                         actor=audit_service.Actor.api_client(client.id, organisation_id=client.organisation_id))
    session.flush()
    return TokenOutcome(token=TokenRead(access_token=token, expires_in=settings.token_ttl_seconds))


def principal_from_bearer(session: Session, *, token: str) -> Principal | None:
    """The API client behind a bearer token, if the token is valid and the client still usable."""
    settings = get_settings()
    try:
        claims = security.read_token(token, secret=settings.secret_key.get_secret_value(),
                                     issuer=settings.token_issuer, now=clock.now())
    except security.InvalidToken:
        return None
    subject = str(claims.get("sub", ""))
    if not subject.startswith("client:"):
        return None
    client = session.get(ApiClient, int(subject.removeprefix("client:")))
    # Roles come from the stored client, not the token: a revocation applies at once.
    if client is not None and client.organisation.status == OrgStatus.SUSPENDED:
        raise OrganisationSuspended(SUSPENDED_MESSAGE, message_en=SUSPENDED_MESSAGE_EN)
    if client is None or not client.is_active or client.organisation.status != OrgStatus.ACTIVE:
        return None
    organisation = client.organisation
    return Principal(
        organisation_id=organisation.id, organisation_kind=OrgKind(organisation.kind),
        roles=frozenset(Role(r) for r in client.roles), api_client_id=client.id,
        enterprise_id=organisation.enterprise_id, display_name=client.name,
    )


def list_api_clients(session: Session, *, organisation_id: int | None = None) -> Sequence[ApiClient]:
    """API clients, optionally of one organisation."""
    query = select(ApiClient).order_by(ApiClient.id)
    if organisation_id is not None:
        query = query.where(ApiClient.organisation_id == organisation_id)
    return session.scalars(query).all()


def _principal_from_cookie(session: Session, token: str) -> tuple[Principal, str] | None:
    found = principal_from_session_token(session, token=token)
    return None if found is None else (found[0], found[1].csrf_token)


# How the application's requests find their caller (installed by `create_app`).
PRINCIPAL_SOURCE = PrincipalSource(from_bearer=lambda session, token: principal_from_bearer(session, token=token),
                                   from_session_cookie=_principal_from_cookie)


# Statistics (read by reporting) ---------------------------------------------------------------------------------


def count_organisations_by_kind(session: Session, *, since: datetime | None = None,
                                until: datetime) -> dict[str, int]:
    """How many organisations of each kind were created in [since, until) (one grouped query)."""
    query = select(Organisation.kind, func.count()).where(Organisation.created_at < until)
    if since is not None:
        query = query.where(Organisation.created_at >= since)
    return {str(kind): int(n) for kind, n in session.execute(query.group_by(Organisation.kind)).all()}


def registered_enterprise_ids(*, until: datetime) -> Select[int | None]:
    """The market entities registered on the platform (their organisation created) before `until`, as a select
    of entity ids another context can filter or group by."""
    return select(Organisation.enterprise_id).where(
        Organisation.kind == OrgKind.ENTERPRISE.value, Organisation.enterprise_id.is_not(None),
        Organisation.created_at < until)
