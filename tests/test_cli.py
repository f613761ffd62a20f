"""``flask mrc …`` commands."""

from sqlalchemy import func, select

from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.extensions import db


def test_init_is_idempotent(runner):
    first = runner.invoke(args=["mrc", "init"])
    second = runner.invoke(args=["mrc", "init"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "already present" in second.output
    centres = db.session.scalars(select(Centre).order_by(Centre.code)).all()
    assert [(c.code, c.country, c.timezone) for c in centres] == [
        ("BGW", "IQ", "Asia/Baghdad"), ("DAC", "BD", "Asia/Dhaka"), ("EBL", "IQ", "Asia/Baghdad"),
        ("ISB", "PK", "Asia/Karachi"), ("LHR", "PK", "Asia/Karachi"),
    ]


def test_create_user_reads_password_from_stdin(runner):
    result = runner.invoke(
        args=["mrc", "create-user", "Rashid", "--role", "counsellor", "--centre", "lhr",
              "--name", "Rashid Ali"],
        input="tea with cardamom at four\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "rashid"))
    assert user.role == Role.COUNSELLOR and user.centre.code == "LHR"
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_refuses_a_weak_password_and_unknown_centre(runner):
    weak = runner.invoke(args=["mrc", "create-user", "x1", "--role", "admin"], input="password1234\n")
    assert weak.exit_code != 0 and "too common" in weak.output
    unknown = runner.invoke(args=["mrc", "create-user", "x2", "--role", "counsellor",
                                  "--centre", "XYZ"], input="a long password for x\n")
    assert unknown.exit_code != 0
    counsellor_without_centre = runner.invoke(
        args=["mrc", "create-user", "x3", "--role", "counsellor"], input="a long password for x\n")
    assert counsellor_without_centre.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_ensure_admin_prints_a_generated_password_once(runner, monkeypatch):
    monkeypatch.delenv("MRC_ADMIN_PASSWORD", raising=False)
    first = runner.invoke(args=["mrc", "ensure-admin"])
    assert first.exit_code == 0 and "with password:" in first.output
    second = runner.invoke(args=["mrc", "ensure-admin"])
    assert "exists already" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_ensure_admin_takes_password_from_environment(runner, monkeypatch, app):
    monkeypatch.setenv("MRC_ADMIN_PASSWORD", "lanterns over the old river")
    result = runner.invoke(args=["mrc", "ensure-admin"])
    assert result.exit_code == 0 and "lanterns over the old river" not in result.output
    from tests.conftest import login

    admin = db.session.scalar(select(User))
    response = login(app.test_client(), admin, password="lanterns over the old river")
    assert response.status_code == 302
