"""The `spemu` command: init a home, move the clock, inject faults, show status."""
import argparse
import contextlib
import datetime
import sys

import yaml

from . import engine, fleet, generate, msgids, store


def _home(args):
    return store.home_from_env(getattr(args, "home", None))


def cmd_init(args):
    seeded = fleet.init_home(args.fleet, args.home, reset=args.reset, frozen=args.frozen)
    home = store.home_from_env(args.home)
    for name, fresh in seeded.items():
        print("# %s: %s" % (name, "seeded" if fresh else "kept (existing state)"), file=sys.stderr)
    print("\n".join(fleet.export_lines(home)))
    return 0


def cmd_expand(args):
    """The explicit servers of a fleet file (generated ones with every task listed), as YAML:
    a fleet file of its own, and what a test counts its expectations from."""
    servers = fleet.load(args.fleet)["servers"]
    wanted = {name.upper() for name in args.server or []}
    unknown = wanted - {server["name"] for server in servers}
    if unknown:
        print("spemu: no server %s in %s" % (", ".join(sorted(unknown)), args.fleet), file=sys.stderr)
        return 2
    out = [generate.expand_server(server) if server.get("generate") else server
           for server in servers if not wanted or server["name"] in wanted]
    yaml.safe_dump({"servers": out}, sys.stdout, sort_keys=False, width=1000)
    return 0


def advance(home, seconds):
    """Move the emulated clock and run every server's events up to the new now."""
    new_now = store.advance_clock(home, seconds)
    for name in store.server_names(home):
        with contextlib.closing(store.open_server(home, name)) as conn:
            engine.run_until(conn, new_now)
    return new_now


def cmd_advance(args):
    seconds = engine.parse_duration(args.seconds)
    new_now = advance(_home(args), seconds)
    print("Emulated time: %s" % new_now.strftime("%Y-%m-%d %H:%M:%S"))
    return 0


FAULT_USAGE = "down|auth|slow=SECONDS|hang|garble|clear, or for commands containing WORD: refuse:WORD|garble:WORD|hang:WORD|slow=SECONDS:WORD"


def parse_fault(spec):
    """'slow=2.5' -> ('slow', '2.5', None); 'refuse:ACTLOG' -> ('refuse', None, 'ACTLOG')."""
    head, colon, word = spec.partition(":")
    kind, _equals, arg = head.partition("=")
    kind = kind.lower()
    if kind not in store.FAULT_KINDS or (kind == "slow") != bool(arg) or (colon and not word.strip()):
        raise ValueError(FAULT_USAGE)
    if colon and kind not in store.COMMAND_FAULT_KINDS:
        raise ValueError(FAULT_USAGE)
    if kind == "slow":
        float(arg)
    return kind, arg or None, word.strip().upper() if colon else None


def _fault_text(kind, arg, word):
    text = "%s=%s" % (kind, arg) if arg else kind
    return text + ":" + word if word else text


def cmd_fault(args):
    home = _home(args)
    name = args.server.upper()
    if name not in store.server_names(home):
        print("spemu: no server %s in %s" % (name, home), file=sys.stderr)
        return 2
    if args.fault.lower() == "clear":
        store.clear_faults(home, name)
    else:
        try:
            kind, arg, word = parse_fault(args.fault)
        except ValueError:
            print("spemu: fault must be " + FAULT_USAGE, file=sys.stderr)
            return 2
        store.set_fault(home, name, kind, arg, word)
    faults = store.fault_list(home, name)
    print("%s: %s" % (name, ", ".join(_fault_text(*fault) for fault in faults) or "no faults"))
    return 0


def cmd_clock(args):
    home = _home(args)
    if args.mode == "freeze":
        store.freeze_clock(home)
    elif args.mode == "follow":
        store.follow_clock(home)
    info = store.clock_info(home)
    print("Clock %s: %s (offset %+.0f s)" % (
        "frozen" if info["mode"] == "frozen" else "follows real time",
        info["now"].strftime("%Y-%m-%d %H:%M:%S"), info["offset_seconds"]))
    return 0


def _counts(conn, sql, args=()):
    return ", ".join("%s %d" % (key, count) for key, count in conn.execute(sql, args)) or "none"


def status_lines(home):
    """A short human summary per server (after catching up)."""
    lines = ["Emulated time: %s" % store.now(home).strftime("%Y-%m-%d %H:%M:%S")]
    for name in store.server_names(home):
        engine.catch_up(home, name)
        with contextlib.closing(store.open_server(home, name)) as conn:
            info = engine.server_info(conn)
            faults = sorted(kind + (":" + word if word else "") for kind, _arg, word in store.fault_list(home, name))
            lines.append("%s  V%d.%d.%d  %s%s" % (
                name, info["VERSION"], info["RELEASE"], info["LEVEL"], info["ROLE"],
                "  faults: " + ", ".join(faults) if faults else ""))
            lines.append("  sessions:  " + _counts(conn, "SELECT STATE, COUNT(*) FROM SESSIONS GROUP BY STATE ORDER BY STATE"))
            lines.append("  processes: " + _counts(conn, "SELECT 'running', COUNT(*) FROM PROCESSES HAVING COUNT(*) > 0"))
            if engine.job_query_supported(conn):
                lines.append("  jobs:      " + _counts(conn, "SELECT STATUS, COUNT(*) FROM JOBS GROUP BY STATUS ORDER BY STATUS"))
            else:
                lines.append("  jobs:      not supported before V8.1.8")
            since = store.fmt_ts(store.now(home) - datetime.timedelta(days=1))
            lines.append("  last 24h:  " + _counts(
                conn, "SELECT lower(ACTIVITY_TYPE) || ' ' || lower(STATUS), COUNT(*) FROM SUMMARY_EXTENDED "
                      "WHERE END_TIME >= ? GROUP BY 1 ORDER BY 1", (since,)))
    return lines


def cmd_status(args):
    print("\n".join(status_lines(_home(args))))
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="spemu", description="Emulated IBM Spectrum Protect fleet")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create the servers of a fleet file in a home directory")
    init.add_argument("--fleet", default=fleet.DEMO_FLEET, help="fleet file (default: the demo fleet)")
    init.add_argument("--home", required=True)
    init.add_argument("--reset", action="store_true", help="discard the existing state first")
    init.add_argument("--frozen", action="store_true",
                      help="freeze the clock at the instant the seeds are placed from (for tests)")
    init.set_defaults(func=cmd_init)
    expand = sub.add_parser("expand", help="print the servers of a fleet file with every generated task listed")
    expand.add_argument("--fleet", default=fleet.DEMO_FLEET)
    expand.add_argument("--server", action="append", help="only this server (repeatable)")
    expand.set_defaults(func=cmd_expand)
    adv = sub.add_parser("advance", help="move the emulated clock forward (30, 90s, 15m, 2h, 1d)")
    adv.add_argument("seconds")
    adv.set_defaults(func=cmd_advance)
    fault = sub.add_parser("fault", help="make a server misbehave for dsmadmc")
    fault.add_argument("server")
    fault.add_argument("fault", help=FAULT_USAGE)
    fault.set_defaults(func=cmd_fault)
    clock = sub.add_parser("clock", help="freeze the clock, let it follow real time, or show it")
    clock.add_argument("mode", choices=("freeze", "follow", "show"))
    clock.set_defaults(func=cmd_clock)
    status = sub.add_parser("status", help="sessions, processes and jobs per server")
    status.set_defaults(func=cmd_status)
    for name, command in sub.choices.items():
        if name not in ("init", "expand"):
            command.add_argument("--home", help="home directory (default: $SPEMU_HOME)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        msgids.set_override(msgids.from_env())     # SPEMU_MSGIDS for the events `advance` runs
        return args.func(args)
    except (RuntimeError, KeyError, ValueError, OSError) as error:
        print("spemu: %s" % error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
