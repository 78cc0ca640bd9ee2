"""The `xinyidai` command: database, demo district, server, event dispatch."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from xinyidai.config import PROJECT_ROOT, get_settings

app = typer.Typer(help="xinyidai 融资信用服务平台", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema and reference data", no_args_is_help=True)
demo_app = typer.Typer(help="The synthetic demo district", no_args_is_help=True)
events_app = typer.Typer(help="Domain-event outbox", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(events_app, name="events")
console = Console()


def upgrade_database(url: str) -> None:
    """Bring the schema at `url` to the latest migration and load reference data."""
    from alembic import command
    from alembic.config import Config

    from xinyidai import db, workdays
    from xinyidai.registry import service as registry_service

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    database = db.Database(url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with db.transaction(database.session_factory) as session:
        registry_service.seed_industries(session)
        workdays.seed_calendar(session)
    database.engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations and load reference data (industries, holiday calendar)."""
    url = get_settings().database_url
    upgrade_database(url)
    console.print(f"[green]database ready[/green] ({url.split('@')[-1]})")


@demo_app.command("generate")
def demo_generate(
    enterprises: int = typer.Option(1000, min=2, help="How many market entities"),
    seed: int = typer.Option(2026, help="Random seed: the same seed gives the same district"),
) -> None:
    """Build a synthetic district into an empty, migrated database and print one login per role."""
    from xinyidai import db
    from xinyidai.demo.generator import DEMO_PASSWORD, generate
    from xinyidai.main import wire_events

    wire_events()

    with console.status(f"generating {enterprises} market entities…"), db.transaction() as session:
        try:
            summary = generate(session, enterprises=enterprises, seed=seed)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
    console.print(f"[green]demo district ready[/green]: {summary.enterprises} market entities, "
                  f"{summary.organisations} organisations, {summary.orders} orders")
    table = Table(title=f"Demo logins (password for all: {DEMO_PASSWORD})")
    for column in ("role", "username", "organisation", "note"):
        table.add_column(column)
    for login in summary.logins:
        table.add_row(login.role, login.username, login.organisation, login.note)
    console.print(table)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind"),
    port: int = typer.Option(8000, help="Port"),
    reload: bool = typer.Option(False, help="Reload on code changes (development)"),
) -> None:
    """Serve the portal and the API."""
    import uvicorn

    console.print(f"portal at [bold]http://{host}:{port}[/bold]  (API docs at /docs)")
    uvicorn.run("xinyidai.main:create_app", factory=True, host=host, port=port, reload=reload,
                log_level=get_settings().log_level.lower())


@events_app.command("dispatch")
def events_dispatch(limit: int = typer.Option(1000, help="At most this many events")) -> None:
    """Deliver pending domain events to their subscribers."""
    from xinyidai import db, events
    from xinyidai.main import wire_events

    wire_events()
    delivered = events.dispatch_pending(session_factory=db.get_database().session_factory, limit=limit)
    console.print(f"delivered {delivered} events")


if __name__ == "__main__":
    app()
