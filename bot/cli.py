"""`python -m bot`: the assistant's operations commands.

Each command imports what it needs when it runs, so `--help` and the CRM
commands start fast (no TensorFlow).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable, List, Optional


def _database(url: Optional[str]):  # type: ignore[no-untyped-def]
    from bot.crm.database import get_database

    return get_database(url)


def cmd_crm_init(args: argparse.Namespace) -> int:
    _database(args.db).create_schema()
    print("CRM schema ready.")
    return 0


def cmd_crm_seed(args: argparse.Namespace) -> int:
    from bot.crm.seed import seed_demo_data
    from bot.crm.store import CrmStore

    database = _database(args.db)
    database.create_schema()
    if args.if_empty and CrmStore(database).count_customers() > 0:
        print("CRM already has customers: not seeding.")
        return 0
    report = seed_demo_data(
        database,
        customers=args.customers,
        products=args.products,
        orders=args.orders,
        seed=args.seed,
    )
    print(json.dumps(report.__dict__, indent=2, default=str))
    return 0


def cmd_crm_import_orders(args: argparse.Namespace) -> int:
    from bot.crm.importer import import_orders

    path = Path(args.file)
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    report = import_orders(_database(args.db), path)
    print(json.dumps(report.to_dict(), indent=2))
    return 0


def cmd_crm_migrate(args: argparse.Namespace) -> int:
    import logging

    from bot.crm import migrations
    from bot.crm.errors import CrmUnavailable

    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line of outcome, not Alembic's steps
    try:
        if args.stamp:
            result = migrations.stamp(args.db, args.revision)
        elif args.downgrade:
            result = migrations.downgrade(args.db, args.revision)
        else:
            result = migrations.upgrade(args.db, args.revision)
    except CrmUnavailable as error:
        print(f"error: the CRM database is unreachable: {error}", file=sys.stderr)
        return 3
    except migrations.MigrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(result.describe())
    return 0


def cmd_crm_stats(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from bot.crm.models import Customer, Order, OrderItem, Product, ReturnRequest

    database = _database(args.db)
    database.create_schema()
    counts = {}
    with database.session() as session:
        for label, model in [
            ("customers", Customer),
            ("products", Product),
            ("orders", Order),
            ("order_items", OrderItem),
            ("return_requests", ReturnRequest),
        ]:
            counts[label] = session.execute(select(func.count()).select_from(model)).scalar_one()
    print(json.dumps(counts, indent=2))
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.crm.models import Customer
    from bot.identity import issue_customer_token
    from bot.settings import get_settings

    settings = get_settings()
    database = _database(args.db)
    with database.session() as session:
        if args.customer.isdigit():
            customer = session.get(Customer, int(args.customer))
        else:
            customer = session.execute(
                select(Customer).where(Customer.email == args.customer.strip().lower())
            ).scalar_one_or_none()
        if customer is None:
            print(f"No customer {args.customer!r}.", file=sys.stderr)
            return 2
        customer_id = customer.id
    print(issue_customer_token(customer_id, settings.token_secret, args.ttl or settings.identity.token_ttl_minutes))
    return 0


def cmd_agents_create(args: argparse.Namespace) -> int:
    import getpass

    from bot.handoff.agents import AgentDirectory, AgentError
    from bot.settings import get_settings

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("The passwords differ.", file=sys.stderr)
            return 2
    database = _database(args.db)
    database.create_schema()
    try:
        agent = AgentDirectory(database, get_settings().handoff).create(args.username, args.name or args.username, password)
    except AgentError as error:
        print(f"Not created: {error}.", file=sys.stderr)
        return 2
    print(f"Agent {agent.username!r} ({agent.display_name}) created; log in at /console/.")
    return 0


def cmd_events_consume(args: argparse.Namespace) -> int:
    import asyncio

    from bot.events.consumer import EventSink, consume
    from bot.settings import rabbitmq_url

    database = _database(args.db)
    database.create_schema()
    stored = asyncio.run(
        consume(EventSink(database), args.url or rabbitmq_url(), args.queue, stop_after_idle=args.idle_exit)
    )
    print(f"{stored} new events stored.")
    return 0


def cmd_bench_load(args: argparse.Namespace) -> int:
    from bot.bench.load import main as load

    report = load(args.concurrency, args.seconds, args.rasa_url, not args.no_baseline, args.servers, args.profile)
    print(json.dumps(report, indent=2))
    return 0


def cmd_bench_fuzz(args: argparse.Namespace) -> int:
    from bot.bench.fuzz import main as fuzz

    report = fuzz(args.messages, args.profile, args.seed, args.concurrency, args.servers)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if report["failed"] else 0


def cmd_bench_faults(args: argparse.Namespace) -> int:
    from bot.bench.faults import main as faults

    report = faults(args.concurrency, args.outage, args.observe, args.seed)
    print(json.dumps(report, indent=2))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bot.training import train, train_recommender

    train(force=args.force)
    train_recommender()
    return 0


def cmd_recommend_train(args: argparse.Namespace) -> int:
    from bot.recommend.service import train_command
    from bot.settings import get_settings

    print(json.dumps(train_command(args.db or get_settings().database_url, args.out), indent=2))
    return 0


def cmd_recommend_evaluate(args: argparse.Namespace) -> int:
    from bot.recommend.evaluate import evaluate_command
    from bot.settings import get_settings

    print(json.dumps(evaluate_command(args.db or get_settings().database_url, args.k), indent=2))
    return 0


def cmd_report_nlu(args: argparse.Namespace) -> int:
    from bot.reports import check_intent_report, load_thresholds

    floor = args.min_macro_f1
    if floor is None and args.floor:
        floor = load_thresholds()[args.floor]
    return check_intent_report(Path(args.report), floor)


def cmd_report_summary(args: argparse.Namespace) -> int:
    from bot.reports import check_floors, write_summary

    write_summary(Path(args.folder))
    return check_floors(Path(args.folder))


def _sentiment_scorer(model: Optional[str]):  # type: ignore[no-untyped-def]
    from bot.sentiment.model_files import find_scorer

    return find_scorer(Path(model) if model else None)


def cmd_sentiment_score(args: argparse.Namespace) -> int:
    scorer, _ = _sentiment_scorer(args.model)

    def flush(lines: List[str]) -> None:
        for text, result in zip(lines, scorer.score(lines), strict=True):
            print(json.dumps({"text": text, **result.to_dict()}, ensure_ascii=False), flush=True)

    # Batches: one MiniLM call per batch, yet output starts before stdin ends.
    batch: List[str] = []
    for line in sys.stdin:
        batch.append(line.rstrip("\r\n"))
        if len(batch) >= args.batch_size:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    return 0


def cmd_sentiment_evaluate(args: argparse.Namespace) -> int:
    from bot.sentiment.evaluation import evaluate_labels
    from bot.sentiment.scorer import load_labelled

    path = Path(args.file)
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    texts, labels = load_labelled(path)
    scorer, source = _sentiment_scorer(args.model)
    predicted = [result.label for result in scorer.score(texts)]
    print(json.dumps({"file": str(path), "model": source, **evaluate_labels(labels, predicted)}, indent=2))
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from bot.web.app import serve

    serve(host=args.host, port=args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Operations commands of the Northwind Goods support assistant.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    crm = commands.add_parser("crm", help="the CRM store: schema, demo data, imports")
    crm_commands = crm.add_subparsers(dest="crm_command", metavar="CRM_COMMAND")
    crm_commands.required = True

    def crm_command(name: str, help_text: str, handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sub = crm_commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--db", help="database URL (default: CRM_DATABASE_URL or the embedded SQLite file)")
        sub.set_defaults(handler=handler)
        return sub

    crm_command("init", "create the CRM tables if they are missing", cmd_crm_init)
    seed = crm_command("seed", "fill an empty CRM with deterministic demo data", cmd_crm_seed)
    seed.add_argument("--customers", type=int, default=500)
    seed.add_argument("--products", type=int, default=200)
    seed.add_argument("--orders", type=int, default=5000)
    seed.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    seed.add_argument("--if-empty", action="store_true", help="do nothing if customers exist")
    imports = crm_command(
        "import-orders",
        "import an order log in the Online Retail CSV layout (idempotent)",
        cmd_crm_import_orders,
    )
    imports.add_argument("file", help="CSV with InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country")
    migrate = crm_command("migrate", "bring the CRM schema to a revision with Alembic (default: head)", cmd_crm_migrate)
    migrate.add_argument("--revision", default="head", help="target revision (default: head; 'base' with --downgrade)")
    mode = migrate.add_mutually_exclusive_group()
    mode.add_argument("--stamp", action="store_true",
                      help="record that a database made by `crm init` is at the revision (checks its tables first)")
    mode.add_argument("--downgrade", action="store_true", help="migrate down to --revision ('base' drops every CRM table)")
    crm_command("stats", "count the rows of the CRM tables", cmd_crm_stats)

    agents = commands.add_parser("agents", help="support agents who answer handed-off conversations")
    agent_commands = agents.add_subparsers(dest="agents_command", metavar="AGENTS_COMMAND")
    agent_commands.required = True
    create = agent_commands.add_parser("create", help="create an agent account (asks for the password)")
    create.add_argument("username", help="log-in name: lower-case letters, digits, '.', '_', '-'")
    create.add_argument("--name", help="name shown to customers, e.g. 'Ana Silva'")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.add_argument("--db", help="database URL")
    create.set_defaults(handler=cmd_agents_create)

    recommend = commands.add_parser("recommend", help="product recommendations: train and evaluate")
    recommend_commands = recommend.add_subparsers(dest="recommend_command", metavar="RECOMMEND_COMMAND")
    recommend_commands.required = True
    recommend_train = recommend_commands.add_parser(
        "train", help="fit a model on the CRM's orders, save it under models/recommender/ and point LATEST at it"
    )
    recommend_train.add_argument("--db", help="database URL (default: CRM_DATABASE_URL or the embedded SQLite file)")
    recommend_train.add_argument("--out", help="model folder (default: RECOMMENDER_MODEL_DIR or models/recommender)")
    recommend_train.set_defaults(handler=cmd_recommend_train)
    recommend_evaluate = recommend_commands.add_parser(
        "evaluate", help="leave-last-order-out evaluation on the CRM's orders, as JSON"
    )
    recommend_evaluate.add_argument("--db", help="database URL (default: CRM_DATABASE_URL or the embedded SQLite file)")
    recommend_evaluate.add_argument("--k", type=int, default=10, help="list length (default 10)")
    recommend_evaluate.set_defaults(handler=cmd_recommend_evaluate)

    events = commands.add_parser("events", help="Rasa's event stream from RabbitMQ")
    event_commands = events.add_subparsers(dest="events_command", metavar="EVENTS_COMMAND")
    event_commands.required = True
    consume_parser = event_commands.add_parser(
        "consume", help="store every event once (analytics) and handoff notifications for agents"
    )
    consume_parser.add_argument("--url", help="amqp URL (default: RABBITMQ_URL or built from RABBITMQ_HOST/USER/PASSWORD)")
    consume_parser.add_argument("--queue", default=os.environ.get("RABBITMQ_QUEUE", "rasa_events"))
    consume_parser.add_argument("--idle-exit", type=float, default=None, help="stop after this many idle seconds")
    consume_parser.add_argument("--db", help="database URL")
    consume_parser.set_defaults(handler=cmd_events_consume)

    bench = commands.add_parser("bench", help="benchmarks that start the real servers")
    bench_commands = bench.add_subparsers(dest="bench_command", metavar="BENCH_COMMAND")
    bench_commands.required = True
    load = bench_commands.add_parser("load", help="simulated customers over REST and socket.io; JSON latency report")
    load.add_argument("--concurrency", type=int, default=20, help="customers talking at once")
    load.add_argument("--seconds", type=float, default=60, help="how long")
    load.add_argument("--servers", type=int, default=2, help="Rasa servers to start (ignored with --rasa-url)")
    load.add_argument("--rasa-url", help="load running servers instead of starting them")
    load.add_argument("--no-baseline", action="store_true", help="skip the plain-Rasa baseline")
    load.add_argument("--profile", choices=["production", "embedded"], default="production",
                      help="production: PostgreSQL, Redis, RabbitMQ (local); embedded: SQLite")
    load.set_defaults(handler=cmd_bench_load)
    fuzz = bench_commands.add_parser(
        "fuzz", help="random and hostile messages over REST and socket.io; JSON report, exit 1 on errors or leaks"
    )
    fuzz.add_argument("--messages", type=int, default=10_000, help="messages in all (half REST, half socket.io)")
    fuzz.add_argument("--profile", choices=["embedded", "production"], default="embedded",
                      help="embedded: SQLite; production: PostgreSQL, Redis, RabbitMQ (local)")
    fuzz.add_argument("--seed", type=int, default=1, help="random seed of the message generators")
    fuzz.add_argument("--concurrency", type=int, default=10, help="messages in flight at once")
    fuzz.add_argument("--servers", type=int, help="Rasa servers (default: 1 embedded, 2 production)")
    fuzz.set_defaults(handler=cmd_bench_fuzz)
    faults = bench_commands.add_parser(
        "faults",
        help="production profile under load while PostgreSQL restarts and Redis and RabbitMQ stop "
             "(stops this machine's shared services; restarts them in any case); JSON report",
    )
    faults.add_argument("--concurrency", type=int, default=6, help="customers talking at once")
    faults.add_argument("--outage", type=float, default=10, help="seconds Redis and RabbitMQ stay down")
    faults.add_argument("--observe", type=float, default=20, help="seconds of load before the first fault and after each")
    faults.add_argument("--seed", type=int, default=1)
    faults.set_defaults(handler=cmd_bench_faults)

    train = commands.add_parser("train", help="train the Rasa model if its inputs changed, and the recommender")
    train.add_argument("--force", action="store_true", help="train even if nothing changed")
    train.set_defaults(handler=cmd_train)

    report = commands.add_parser("report", help="summaries of `rasa test` results")
    report_commands = report.add_subparsers(dest="report_command", metavar="REPORT")
    report_commands.required = True
    nlu_report = report_commands.add_parser("nlu", help="print intent macro-F1 of an intent_report.json and check a floor")
    nlu_report.add_argument("report", help="path to intent_report.json")
    nlu_report.add_argument("--min-macro-f1", type=float, default=None, help="fail below this macro-F1")
    nlu_report.add_argument("--floor", help="fail below this key of tests/nlu/thresholds.yml")
    nlu_report.set_defaults(handler=cmd_report_nlu)
    summary = report_commands.add_parser("summary", help="reports/summary.md from `make evaluate`, and the CI floors")
    summary.add_argument("folder", nargs="?", default="reports")
    summary.set_defaults(handler=cmd_report_summary)

    sentiment = commands.add_parser("sentiment", help="sentiment of customer messages")
    sentiment_commands = sentiment.add_subparsers(dest="sentiment_command", metavar="SENTIMENT_COMMAND")
    sentiment_commands.required = True
    model_help = (
        "a Rasa model (.tar.gz) or a saved scorer (.joblib); default: models/assistant.tar.gz, "
        "else a model trained from the TSV and cached as models/sentiment.joblib"
    )
    score = sentiment_commands.add_parser(
        "score", help="one text per line on stdin -> one JSON object per line: text, score, label"
    )
    score.add_argument("--model", help=model_help)
    score.add_argument("--batch-size", type=int, default=64, help="lines scored together")
    score.set_defaults(handler=cmd_sentiment_score)
    evaluate = sentiment_commands.add_parser(
        "evaluate", help="JSON metrics on a labelled TSV (text<TAB>label: negative/neutral/positive or 0/1)"
    )
    evaluate.add_argument("file", help="labelled TSV file")
    evaluate.add_argument("--model", help=model_help)
    evaluate.set_defaults(handler=cmd_sentiment_evaluate)

    web = commands.add_parser("web", help="serve the demo shop page with the chat widget")
    web.add_argument("--host", default="0.0.0.0")
    web.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")))
    web.set_defaults(handler=cmd_web)

    token = commands.add_parser(
        "token",
        help="issue a signed customer token (what the website passes as metadata.customer_token)",
    )
    token.add_argument("customer", help="customer id or email")
    token.add_argument("--ttl", type=int, help="minutes of validity")
    token.add_argument("--db", help="database URL")
    token.set_defaults(handler=cmd_token)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    from bot.logs import configure_logging

    configure_logging()
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
