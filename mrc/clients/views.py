from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mrc.centres.services import centre_today
from mrc.clients import choices, services
from mrc.clients.forms import ClientForm, SearchForm, StartRegistrationForm
from mrc.clients.models import Client
from mrc.clients.search_keys import name_words
from mrc.clients.timeline import client_timeline
from mrc.core import current_actor
from mrc.i18n import isolate
from mrc.security import can_see_sensitive, get_scoped_or_404

blueprint = Blueprint("clients", __name__, url_prefix="/clients")


def _client_form(formdata=None, client: Client | None = None) -> ClientForm:
    centre = client.centre if client else current_user.centre
    form = ClientForm(
        formdata=formdata,
        region=centre.country,
        today=centre_today(centre),
        counsellors=services.counsellors_of(centre.id),
    )
    if request.method == "GET" or formdata is None:
        if client is not None:
            form.load(services.ClientData.from_client(client))
        else:
            form.nationality.data = centre.country
    return form


@blueprint.route("/", methods=["GET", "POST"])
def index():
    """Search first. GET lists the centre's clients; POST searches (terms stay out of URLs)."""
    search_form = SearchForm()
    per_page = current_app.config["CLIENTS_PER_PAGE"]
    results, searched = None, False
    if request.method == "POST":
        if search_form.validate_on_submit():
            searched = True
            page = int(search_form.page.data or 1) if str(search_form.page.data or "1").isdigit() else 1
            results = services.search_clients(
                current_actor(), search_form.term.data, page=page, per_page=per_page
            )
            if results is None:
                search_form.term.errors.append(_("Type a name, reference, phone or ID number."))
                searched = False
    else:
        results = services.list_clients(
            current_actor(), page=request.args.get("page", 1, type=int), per_page=per_page
        )
    start_form = StartRegistrationForm(formdata=None)
    if searched:
        start_form.term.data = search_form.term.data
    return render_template(
        "clients/index.html",
        search_form=search_form,
        start_form=start_form,
        results=results,
        searched=searched,
        choices=choices,
    )


@blueprint.route("/register", methods=["GET", "POST"])
def register():
    """Registration is reached from a search, so that people are looked for before created."""
    if current_user.centre is None:
        flash(_("Only staff of a centre can register clients."), "warning")
        return redirect(url_for("clients.index"))
    if request.method == "GET":
        flash(_("Search for the person first; the register button is beside the results."), "info")
        return redirect(url_for("clients.index"))

    # Registering from a group session's page: the new person is added to it afterwards.
    return_to_group_session = (request.form.get("return_to_group_session") or "")[:12]
    if "start" in request.form:
        start_form = StartRegistrationForm()
        if not start_form.validate_on_submit():
            return redirect(url_for("clients.index"))
        form = _client_form(formdata=None)
        _prefill_from_search(form, start_form.term.data or "")
        return render_template("clients/form.html", form=form, client=None, candidates=None,
                               show_sensitive=True, return_to_group_session=return_to_group_session)

    form = _client_form(formdata=request.form)
    candidates = None
    if form.validate_on_submit():
        try:
            client = services.register_client(
                current_actor(), form.to_data(), confirmed_new=form.confirmed_new.data == "yes"
            )
        except services.ConsentMissing as error:
            form.consent_services.errors.append(str(error))
        except services.PossibleDuplicates as duplicates:
            candidates = duplicates.candidates
        else:
            flash(_("%(name)s registered as %(reference)s.", name=isolate(client.full_name),
                    reference=isolate(client.reference)), "success")
            if return_to_group_session:
                from mrc.group_sessions.services import add_registered_client

                group_session = add_registered_client(current_actor(), return_to_group_session,
                                                      client)
                if group_session is not None:
                    return redirect(url_for("group_sessions.show",
                                            group_session_id=group_session.id))
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", form=form, client=None, candidates=candidates,
                           show_sensitive=True, return_to_group_session=return_to_group_session)


def _prefill_from_search(form: ClientForm, term: str) -> None:
    """Carry a searched name (not a number) into the name fields."""
    if not name_words(term) or any(char.isdigit() for char in term):
        return
    words = term.split()
    latin = all(char.isascii() or not char.isalpha() for char in term)
    given, family = ("given_name", "family_name") if latin else ("given_name_native", "family_name_native")
    form[given].data = words[0]
    form[family].data = " ".join(words[1:])


@blueprint.route("/<int:client_id>")
def show(client_id: int):
    client = get_scoped_or_404(Client, client_id, current_user)
    if client.merged_into_id is not None:
        flash(_("%(reference)s was merged into this record.",
                reference=isolate(client.reference)), "info")
        return redirect(url_for("clients.show", client_id=client.merged_into_id))
    show_sensitive = services.view_client(current_actor(), client)
    return render_template(
        "clients/show.html",
        client=client,
        choices=choices,
        timeline=client_timeline(client, page=request.args.get("page", 1, type=int)),
        show_sensitive=show_sensitive,
    )


@blueprint.route("/<int:client_id>/edit", methods=["GET", "POST"])
def edit(client_id: int):
    client = get_scoped_or_404(Client, client_id, current_user)
    if client.anonymised_at is not None or client.merged_into_id is not None:
        # Nothing may bring identifying data back into an anonymised or merged-away record.
        flash(_("This record can no longer be edited."), "warning")
        return redirect(url_for("clients.show", client_id=client.id))
    form = _client_form(formdata=request.form if request.method == "POST" else None, client=client)
    show_sensitive = can_see_sensitive(current_user, client)
    if request.method == "GET":
        services.view_client(current_actor(), client)
    if form.validate_on_submit():
        try:
            changed = services.update_client(current_actor(), client, form.to_data())
        except services.ConsentMissing as error:
            form.consent_services.errors.append(str(error))
        else:
            if changed:
                flash(_("Changes saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", form=form, client=client, candidates=None,
                           show_sensitive=show_sensitive)


from mrc.clients import privacy_views  # noqa: E402,F401  (registers its routes on the blueprint)
from mrc.clients import merge_views  # noqa: E402,F401  (registers its routes on the blueprint)
