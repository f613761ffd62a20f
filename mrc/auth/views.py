from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from mrc.auth import services
from mrc.auth.forms import ChangePasswordForm, LoginForm, UserForm
from mrc.auth.models import Role, User
from mrc.centres.services import all_centres
from mrc.core import current_actor, safe_next_url
from mrc.i18n import isolate
from mrc.extensions import db
from mrc.security import require_role

blueprint = Blueprint("auth", __name__)

SESSION_TOKEN_KEY = "sid"


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user only while their server-side session is live."""
    user = services.user_for_session(session.get(SESSION_TOKEN_KEY))
    if user is None or str(user.id) != user_id:
        session.pop(SESSION_TOKEN_KEY, None)
        return None
    return user


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            result = services.authenticate(
                form.username.data, form.password.data, request.remote_addr or ""
            )
        except services.AuthError as error:
            form.password.errors.append(str(error))
        else:
            locale = session.get("locale")
            session.clear()  # a fresh session id on login (no fixation)
            if locale:
                session["locale"] = locale
            session[SESSION_TOKEN_KEY] = result.session_token
            session.permanent = True
            login_user(result.user)
            return redirect(safe_next_url(request.args.get("next")) or url_for("core.home"))
    return render_template("auth/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
def logout():
    services.logout(current_actor())
    logout_user()
    session.clear()
    flash(_("You have been logged out on all your devices."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(
                current_actor(), form.current_password.data, form.new_password.data,
                keep_token=session.get(SESSION_TOKEN_KEY),
            )
        except services.PolicyError as error:
            for refusal in error.refusals:
                form[refusal.field].errors.append(str(refusal))
        else:
            flash(_("Your password has been changed. Your other sessions have ended."), "success")
            return redirect(url_for("core.home"))
    return render_template("auth/change_password.html", form=form)


# --- user administration (admins: everyone; managers: their centre's counsellors) ------------

def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not services.can_manage(current_user, user):
        abort(404)
    return user


def _centres_for_form():
    if current_user.role == Role.ADMIN:
        return all_centres()
    return [current_user.centre]


@blueprint.route("/users/")
@require_role(Role.ADMIN, Role.MANAGER)
def users():
    page = request.args.get("page", 1, type=int)
    listing = db.paginate(services.manageable_users(current_user), page=page, per_page=50,
                          error_out=False)
    return render_template("auth/users.html", users=listing)


@blueprint.route("/users/new", methods=["GET", "POST"])
@require_role(Role.ADMIN, Role.MANAGER)
def new_user():
    form = UserForm()
    form.set_choices(services.manageable_roles(current_user), _centres_for_form())
    if current_user.role != Role.ADMIN and request.method == "GET":
        form.centre_id.data = current_user.centre_id
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Give the new user a first password."))
        else:
            try:
                user = services.create_user(
                    current_actor(),
                    username=form.username.data,
                    display_name=form.display_name.data,
                    password=form.password.data,
                    role=Role(form.role.data),
                    centre_id=form.centre_id.data or None,
                )
            except services.PolicyError as error:
                for refusal in error.refusals:
                    form[refusal.field].errors.append(str(refusal))
            else:
                flash(_("User %(name)s created.", name=isolate(user.username)), "success")
                return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None)


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN, Role.MANAGER)
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    form.set_choices(services.manageable_roles(current_user), _centres_for_form())
    form.username.data = user.username  # the user name cannot change
    if request.method == "GET":
        form.role.data = user.role.value
        form.centre_id.data = user.centre_id or 0
    if form.validate_on_submit():
        try:
            services.update_user(
                current_actor(), user,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                centre_id=form.centre_id.data or None,
                active=form.active.data,
                new_password=form.password.data or "",
            )
        except services.PolicyError as error:
            for refusal in error.refusals:
                form[refusal.field].errors.append(str(refusal))
        else:
            flash(_("User %(name)s saved.", name=isolate(user.username)), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)
