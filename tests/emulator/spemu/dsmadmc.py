"""The emulated ``dsmadmc``: options, dsm.sys/dsm.opt, sign-on, banner, faults, routing.

``main(argv)`` behaves like the real administrative client in batch mode (server-facts.md
§1): options first, then the command; everything (banner, ANR/ANS messages, data) goes to
stdout (or -outfile); the exit status is the highest return code. Without a command it reads
one command per line from standard input [DECIDED]. README.md "dsmadmc" lists every
behaviour with its source.
"""
import dataclasses
import getpass
import io
import json
import os
import re
import sys
import time

from . import commands, engine, formats, msgids, render, store

# Option specs: capitals are the shortest abbreviation (server-facts.md §1); True: takes =value.
OPTIONS = {
    "ID": True, "PAssword": True, "SErvername": True, "DATAONLY": True, "COMMAdelimited": False,
    "TABdelimited": False, "DISPLaymode": True, "OUTfile": True, "NOConfirm": False,
    "ITEMCOMMIT": False, "ERRORLOGNAME": True, "OPTFILE": True, "TCPServeraddress": True,
    "TCPPort": True, "CREDENTIALSFILE": True, "ALWAYSPrompt": False,
}
SYS_OPTIONS = ("SErvername", "COMMMethod", "TCPServeraddress", "TCPPort")
RC_CONFIG = 12          # [DECIDED] exit status of ANS1217E / ANS1035S
RC_AUTH = 137           # server-facts.md §1 capture
RC_TCP = -50            # ANS1017E (server-facts.md §1); exit status 206 [DECIDED]
COPYRIGHT = "(c) Copyright by IBM Corporation and other(s) 1990, 2023. All Rights Reserved."
PROMPT = "Do you wish to proceed? (Yes (Y)/No (N))"
MASK = "********"
# SPEMU_PASSWORD_INPUT=tty with no terminal: the line on stderr [DECIDED text], then ANS8023E
TTY_ERROR = "dsmadmc: cannot read the password: no terminal (/dev/tty) is available for the password prompt"
ID_PROMPT, PASSWORD_PROMPT = "Enter your user id: ", "Enter your password: "   # SPEMU_PROMPT=inline


@dataclasses.dataclass(frozen=True)
class Switches:
    """How this client prints (README "Output forms"): read from the environment of dsmadmc."""
    fmt: formats.Formats = formats.DEFAULT         # SPEMU_DATEFORMAT/TIMEFORMAT/NUMBERFORMAT
    console: int = None                            # SPEMU_CONSOLE_WIDTH
    alt_labels: bool = False                       # SPEMU_LABELS=alt
    inline_prompt: bool = False                    # SPEMU_PROMPT=inline
    tty_password: bool = False                     # SPEMU_PASSWORD_INPUT=tty
    held_output: bool = False                      # SPEMU_OUTPUT=buffered
    lost_session_ends: bool = False                # SPEMU_SESSION_LOST=end

    @classmethod
    def from_env(cls, env):
        """The switches of an environment; a bad value is ANS1107E (rc 3) [DECIDED]."""
        def choice(name, *values):
            value = (env.get(name) or "").strip().lower()
            if value and value not in values:
                raise _bad_env(name, env)
            return value

        try:
            fmt = formats.from_env(env)
        except ValueError:
            bad = next(name for name in formats.ENV.values() if env.get(name) and not _parses(name, env[name]))
            raise _bad_env(bad, env) from None
        console = (env.get("SPEMU_CONSOLE_WIDTH") or "").strip()
        if console and (not console.isdigit() or int(console) < 1):
            raise _bad_env("SPEMU_CONSOLE_WIDTH", env)
        return cls(fmt, int(console) if console else None, choice("SPEMU_LABELS", "alt", "real") == "alt",
                   choice("SPEMU_PROMPT", "inline", "newline") == "inline",
                   choice("SPEMU_PASSWORD_INPUT", "tty", "stdin") == "tty",
                   choice("SPEMU_OUTPUT", "buffered", "flushed") == "buffered",
                   choice("SPEMU_SESSION_LOST", "end", "reconnect") == "end")


def _parses(name, value):
    key = next(key for key, env_name in formats.ENV.items() if env_name == name)
    try:
        formats.PARSERS[key](value)
        return True
    except ValueError:
        return False


def _bad_env(name, env):
    return Failure(commands.RC_SYNTAX, ["ANS1107E Invalid option/value: '%s=%s'" % (name, env.get(name))])


class Failure(Exception):
    """The client stops: message lines already decided, and the return code."""

    def __init__(self, rc, lines):
        super().__init__(lines[0] if lines else "")
        self.rc = rc
        self.lines = lines


@dataclasses.dataclass
class Settings:
    """The parsed command line."""
    options: dict           # option spec -> value (True for flags)
    command: str            # '' when none was given

    def get(self, spec, default=None):
        return self.options.get(spec, default)

    @property
    def dataonly(self):
        return self.get("DATAONLY", "NO") == "YES"

    @property
    def mode(self):
        """comma | tab | list | table | None (each command's own layout)."""
        if self.get("COMMAdelimited"):
            return "comma"
        if self.get("TABdelimited"):
            return "tab"
        return {"LIST": "list", "TABLE": "table"}.get(self.get("DISPLaymode"))


# ---------------------------------------------------------------- command line

def _invalid(arg, known=True):
    """ANS1107E; the value of an unknown option (a mistyped -password=?) is not shown."""
    name, equals, _value = arg.partition("=")
    shown = arg if known or not equals else name + "=" + MASK
    return Failure(commands.RC_SYNTAX, ["ANS1107E Invalid option/value: '%s'" % shown])


def parse_argv(argv):
    """Options (each '-NAME' or '-NAME=value') before the command words -> Settings."""
    options, rest = {}, list(argv)
    while rest and rest[0].startswith("-") and len(rest[0]) > 1:
        arg = rest.pop(0)
        name, equals, value = arg[1:].partition("=")
        spec = next((s for s in OPTIONS if commands.keyword(name, s)), None)
        if spec is None:
            raise _invalid(arg, known=False)
        if OPTIONS[spec] != bool(equals) or (equals and not value):
            raise _invalid(arg)
        if spec == "DATAONLY":
            value = value.upper()
            if value not in ("YES", "NO"):
                raise _invalid(arg)
        if spec == "DISPLaymode":
            value = next((c.upper() for c in ("LISt", "TABle") if commands.keyword(value, c)), None)
            if value is None:
                raise _invalid(arg)
        options[spec] = value if equals else True
    return Settings(options, " ".join(rest).strip())


# ---------------------------------------------------------------- dsm.sys / dsm.opt

def read_options_file(path):
    """dsm.sys / dsm.opt -> list of (option, value); '*' and '#' start comments. Known option
    names are normalised to their spec (abbreviations allowed), others upper-cased."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        raise Failure(RC_CONFIG, ["ANS1035S Options file '%s' could not be found, or it cannot be read." % path,
                                  "ANS8023E Unable to establish session with server."]) from None
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "*#":
            continue
        name, _blank, value = line.partition(" ")
        spec = next((s for s in SYS_OPTIONS if commands.keyword(name, s)), name.upper())
        entries.append((spec, value.strip()))
    return entries


def stanzas(path):
    """dsm.sys -> {SERVER NAME: {option: value}} in file order."""
    found, current = {}, None
    for spec, value in read_options_file(path):
        if spec == "SErvername":
            current = found.setdefault(value.upper(), {})
        elif current is not None:
            current[spec] = value
    return found


def select_server(settings, env):
    """The dsm.sys stanza to use -> (server name, stanza). -se, else dsm.opt's SErvername,
    else the first stanza; -tcpport picks the stanza with that port [DECIDED]."""
    directory = env.get("DSM_DIR", "")
    servers = stanzas(os.path.join(directory, "dsm.sys"))
    optfile = settings.get("OPTFILE") or env.get("DSM_CONFIG") or os.path.join(directory, "dsm.opt")
    default = None
    if os.path.exists(optfile) or settings.get("OPTFILE"):
        default = next((v for k, v in read_options_file(optfile) if k == "SErvername"), None)
    name = (settings.get("SErvername") or default or next(iter(servers), "")).upper()
    if name not in servers:
        raise Failure(RC_CONFIG, ["ANS1217E Server name not found in System Options File",
                                  "ANS8023E Unable to establish session with server."])
    port = settings.get("TCPPort")
    if port:
        name = next((n for n, s in servers.items() if s.get("TCPPort") == port), None)
        if name is None:
            raise Failure(RC_TCP, tcp_failure())
    return name, servers[name]


def tcp_failure():
    return ["ANS1017E Session rejected: TCP/IP connection failure.",
            "ANS8023E Unable to establish session with server."]


def auth_failure():
    return ["ANS1051I Invalid user id or password"] * 3 + ["ANS8023E Unable to establish session with server."]


# ---------------------------------------------------------------- credentials

class Input:
    """Lines of standard input (password, confirmations, commands), read on demand."""

    def __init__(self, stream):
        self.stream = stream

    def interactive(self):
        return hasattr(self.stream, "isatty") and self.stream.isatty()

    def line(self, prompt=None, secret=False, out=None):
        """One line; with `out` (SPEMU_PROMPT=inline) the prompt goes there without a newline,
        terminal or not; else it is shown on a terminal only."""
        if prompt and out is not None:
            out.raw(prompt)
            if secret and self.interactive():
                return getpass.getpass("")
        elif prompt and self.interactive():
            if secret:
                return getpass.getpass(prompt)
            sys.stdout.write(prompt)
            sys.stdout.flush()
        return self.stream.readline().rstrip("\r\n")


def read_credentials_file(path):
    """[DECIDED format] lines 'id=NAME' and 'password=SECRET'; '#' comments."""
    values = {}
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, value = line.split("=", 1)
                    values[key.strip().lower()] = value.strip()
    except OSError:
        raise Failure(RC_CONFIG, ["ANS1035S Options file '%s' could not be found, or it cannot be read." % path,
                                  "ANS8023E Unable to establish session with server."]) from None
    return values.get("id"), values.get("password")


def credentials(settings, stdin, out=None, switches=None, stderr=None):
    """(admin id, password): -id/-password, else -credentialsfile, else read from standard
    input (prompted only on a terminal; nothing printed otherwise [DECIDED]). SPEMU_PROMPT=inline:
    the prompts go to the output without a newline. SPEMU_PASSWORD_INPUT=tty: a password is read
    from a terminal only; with none the client prints the prompt, complains on stderr and stops
    before it signs on (the server sees no password)."""
    switches = switches or Switches()
    inline = out if switches.inline_prompt else None
    admin, password = settings.get("ID"), settings.get("PAssword")
    if settings.get("CREDENTIALSFILE") and (admin is None or password is None):
        file_admin, file_password = read_credentials_file(settings.get("CREDENTIALSFILE"))
        admin = admin or file_admin
        password = password if password is not None else file_password
    if admin is None:
        admin = stdin.line(ID_PROMPT if inline else "Enter your user id:  ", out=inline)
    if password is None:
        if switches.tty_password and not stdin.interactive():
            if inline:
                out.raw(PASSWORD_PROMPT)
            else:
                out.write([PASSWORD_PROMPT])
            (stderr or sys.stderr).write(TTY_ERROR + "\n")
            raise Failure(RC_CONFIG, ["ANS8023E Unable to establish session with server."])
        password = stdin.line(PASSWORD_PROMPT if inline else "Enter your password:  ", secret=True, out=inline)
    return admin.upper(), password


def mask(text, password):
    """The command as logged and echoed: PASSWORD=x values, the password of REGISTER/UPDATE
    ADMIN|NODE, and the session's own password (4 characters or more) become ********."""
    text = re.sub(r"(?i)\b(PASSW\w*\s*=\s*)(\S+)", r"\1" + MASK, text)
    text = re.sub(r"(?i)^(\s*(?:REG\w*|UPD\w*)\s+(?:A\w*|N\w*)\s+\S+\s+)(\S+)", r"\1" + MASK, text)
    if password and len(password) >= 4:
        text = text.replace(password, MASK)
    return text


# ---------------------------------------------------------------- faults and banner

def wait_for_faults(home, name):
    """slow=S: answer S seconds late; hang: never answer. Returns the remaining faults."""
    faults = store.faults(home, name)
    if "hang" in faults:
        while True:
            time.sleep(3600)
    if "slow" in faults:
        time.sleep(float(faults["slow"]))
    return faults


def garble(line):
    """[DECIDED] deterministic corruption of one data line."""
    half = len(line) // 2
    return line[:half] + "~#~" + line[half:][::-1]


def product(info):
    version = (info["VERSION"], info["RELEASE"], info["LEVEL"])
    if version >= (8, 1, 21):
        return "IBM Storage Protect"
    if version >= (8, 1, 0):
        return "IBM Spectrum Protect"
    return "IBM Tivoli Storage Manager"


def client_banner(info):
    return [product(info),
            "Command Line Administrative Interface - Version %d, Release %d, Level %d.%d" % (
                info["VERSION"], info["RELEASE"], info["LEVEL"], info["SUBLEVEL"]),
            COPYRIGHT, ""]


def session_banner(info, now, last_access, fmt=formats.DEFAULT):
    return ["Session established with server %s: %s" % (info["NAME"], info["PLATFORM"]),
            "  Server Version %d, Release %d, Level %d.%03d" % (
                info["VERSION"], info["RELEASE"], info["LEVEL"], info["SUBLEVEL"]),
            "  Server date/time: %s  Last access: %s" % (fmt.date_time(store.fmt_ts(now)),
                                                         fmt.date_time(last_access)), ""]


# ---------------------------------------------------------------- one server session

class Session:
    """An administrator signed on to one emulated server (its Admin session in SESSIONS)."""

    def __init__(self, home, name, switches=None):
        self.home, self.name = home, name
        self.switches = switches or Switches()
        engine.catch_up(home, name)
        self.conn = store.open_server(home, name)
        self.info = engine.server_info(self.conn)
        self.formats = formats.for_server(self.conn, self.switches.fmt)
        self.session_id = None
        self.signons = self.commands = 0
        self.admin, self.privileges = None, set()

    def authenticate(self, admin, password, faults):
        row = self.conn.execute("SELECT * FROM ADMINS WHERE ADMIN_NAME=?", (admin,)).fetchone()
        if "auth" in faults or row is None or row["PASSWORD"] != password or row["LOCKED"] == "YES":
            return False
        self.admin = admin
        self.privileges = {p.strip().upper() for p in (row["PRIVCLASS"] or "").split(",") if p.strip()}
        return True

    def last_access(self, now):
        row = self.conn.execute(
            "SELECT MAX(DATE_TIME) FROM ACTLOG WHERE MSGNO=2017 AND MESSAGE LIKE ?",
            ("ANR2017I Administrator %s issued command:%%" % self.admin,)).fetchone()
        return row[0] or store.fmt_ts(now)

    def open(self):
        """Sign on: the administrator's Admin session, kept for every command this client sends
        [DECIDED: one session per client process, however many commands]. Returns (now, the
        last access before it) for the banner."""
        now = store.now(self.home)
        last = self.last_access(now)
        comm = "SSL" if (self.info["VERSION"], self.info["RELEASE"], self.info["LEVEL"]) >= (8, 1, 2) else "Tcp/Ip"
        self.session_id = engine.admin_session(self.conn, now, self.admin, "Linux x86-64", comm)
        self.signons += 1
        self.commands = 0
        return now, last

    def start(self, command_masked):
        """Log a command (ANR2017I) in the Admin session (opened first if needed); what became
        due since the previous command of this client happens first."""
        if self.session_id is None:
            self.open()
        now = store.now(self.home)
        if self.commands:
            engine.run_until(self.conn, now)
            if not engine.admin_resume(self.conn, now, self.session_id):
                self.lost()
                now = store.now(self.home)
        self.commands += 1
        engine.log_command(self.conn, now, self.admin, self.session_id, command_masked)
        return now

    def idle(self):
        """The command is answered and the client waits for its next one: Idle wait."""
        if self.session_id is not None:
            engine.admin_idle(self.conn, store.now(self.home), self.session_id)

    def lost(self):
        """The server ended this client's session while it waited (CANCEL SESSION, the
        administrative idle timeout). "If you cancel a session that is in the idle wait (IdleW)
        state, the client session is automatically reconnected to the server when it starts to
        send data again" (CANCEL SESSION reference): it signs on again with the same id and
        password, a new session, and [DECIDED] prints nothing of it. SPEMU_SESSION_LOST=end: a
        client that does not reconnect ends with ANS1017E, as a failed connection (return code
        -50) [DECIDED]."""
        self.session_id = None
        if self.switches.lost_session_ends:
            raise Failure(RC_TCP, ["ANS1017E Session rejected: TCP/IP connection failure."])
        self.open()

    def run(self, command, confirm):
        ctx = commands.Context(self.home, self.name, self.conn, self.admin, self.privileges,
                               self.session_id, confirm, engine.jobs_supported(self.conn),
                               engine.version(self.conn), self.formats)
        reply = commands.execute(ctx, command)
        reply.items = [self.translate(item) for item in reply.items]
        return reply

    def answer(self, command, confirm):
        """run() under the faults of this server limited to commands containing a word
        (`spemu fault S refuse:WORD|garble:WORD|hang:WORD|slow=S:WORD`) -> (Reply, garbled)."""
        text = command.upper()
        faults = {}
        for kind, arg, word in store.fault_list(self.home, self.name):
            if word is None or word in text:
                faults.setdefault(kind, (arg, word))
        if "hang" in faults and faults["hang"][1] is not None:
            while True:
                time.sleep(3600)
        if "slow" in faults and faults["slow"][1] is not None:
            time.sleep(float(faults["slow"][0]))
        if "refuse" in faults:
            reply = self.refused(command)
        else:
            reply = self.run(command, confirm)
        return reply, "garble" in faults

    def refused(self, command):
        """A command the server fails with an internal error (fault refuse) [DECIDED message, rc 4]."""
        try:
            name = commands.resolve(commands.split_words(command))[0]
        except (commands.CommandError, commands.QuoteError, IndexError):
            name = command.split()[0].upper() if command.split() else ""
        text = "ANR2032E %s: Command failed - internal server error detected." % name
        with store.transaction(self.conn):
            engine.log(self.conn, store.now(self.home), text, session=self.session_id)
        return commands.Reply(commands.RC_ERROR, [self.translate(text)])

    def translate(self, line):
        """A message line as this server issues it (SPEMU_MSGIDS=alt: other unverified ids)."""
        return msgids.translate(line, engine.msgid_mode(self.conn))

    def finish(self):
        """The client is done: its Admin session ends."""
        number, self.session_id = self.session_id, None
        if number is not None:
            engine.end_admin_session(self.conn, store.now(self.home), number)

    def close(self):
        try:
            self.finish()
        finally:
            self.conn.close()


# ---------------------------------------------------------------- routing

def route(home, hub, targets, command, password, confirm):
    """Command routing from `hub` (server-facts.md §1) -> (highest rc, [(item, garbled)]).
    Each target answers with its own formats and message ids."""
    names = store.server_names(home) if hub.info["ROLE"] == "hub" else [hub.name]
    counts, highest = [0, 0, 0], 0
    parts = [("ANR1699I Resolved %s to %d server(s) - issuing command %s against server(s)."
              % (",".join(targets), len(targets), command), False)]
    for target in targets:
        parts.append(("ANR1687I Output for command '%s' issued against server %s follows:" % (command, target), False))
        if target == hub.name:
            reply, garbled = hub.answer(command, confirm)
        elif target in names:
            reply, garbled = _routed(home, target, hub.admin, password, command, confirm, hub.switches)
        else:
            reply, garbled = commands.Reply(commands.RC_ERROR, [
                "ANR1651E Server information for %s is not available." % target]), False
        parts.extend((item, garbled) for item in reply.items)
        parts.append(("ANR1688I Output for command '%s' issued against server %s completed." % (command, target), False))
        if reply.rc == commands.RC_OK:
            counts[0] += 1
            text = "ANR1694I Server %s processed command '%s' and completed successfully."
        elif reply.rc == commands.RC_NOTFOUND:
            counts[1] += 1
            text = "ANR1695W Server %s processed command '%s' but completed with warnings."
        else:
            counts[2] += 1
            text = "ANR1696E Server %s processed command '%s' but completed with errors."
        parts.append((text % (target, command), False))
        highest = max(highest, reply.rc)
    parts.append(("ANR1697I Command '%s' processed by %d server(s):  %d successful, %d with warnings, "
                  "and %d with errors." % (command, len(targets), *counts), False))
    return highest, parts


def _routed(home, target, admin, password, command, confirm, switches=None):
    """One routing target: its faults, sign-on and answer -> (Reply, garble)."""
    faults = wait_for_faults(home, target)
    if "down" in faults:
        return commands.Reply(commands.RC_ERROR, [
            "ANR8214E Session open with 127.0.0.1 failed due to connection refusal."]), False
    session = Session(home, target, switches)
    try:
        if not session.authenticate(admin, password, faults):
            return commands.Reply(commands.RC_ERROR, [
                "ANR0425W Session refused for administrator %s - invalid password submitted." % admin]), False
        session.start(mask(command, password))
        return session.answer(command, confirm)
    finally:
        session.close()


# ---------------------------------------------------------------- main

class Output:
    """Where the client writes: stdout, or the -outfile file [DECIDED: all of it]."""

    BLOCK = 4096        # SPEMU_OUTPUT=buffered: written in blocks of this size, as C stdio does on a pipe

    def __init__(self, stream, console=None):
        self.stream = stream
        self.console = console      # SPEMU_CONSOLE_WIDTH: message lines are wrapped at it
        self.gone = False
        self.held = None            # SPEMU_OUTPUT=buffered: what is not written yet

    def hold(self):
        """Hold the output in blocks until the client ends (SPEMU_OUTPUT=buffered)."""
        self.held = ""

    def end(self):
        """The client ends: what is held is written."""
        if self.held:
            text, self.held = self.held, None
            self._write(text)

    def write(self, lines):
        """Write lines as they are; a reader that went away (dsmadmc ... | head) ends the
        output quietly."""
        self._put("".join(line + "\n" for line in lines))

    def text(self, lines):
        """Write message lines (banner, ANS/ANR lines), wrapped at the console width."""
        self.write(render.wrap_lines(lines, self.console))

    def raw(self, text):
        """Write without a newline (a prompt that the next output line follows)."""
        self._put(text)

    def _put(self, text):
        if self.held is not None:
            self.held += text
            if len(self.held) < self.BLOCK:
                return
            size = len(self.held) // self.BLOCK * self.BLOCK
            text, self.held = self.held[:size], self.held[size:]
        self._write(text)

    def _write(self, text):
        if self.gone:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except BrokenPipeError:
            self.gone = True
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())


def exit_status(rc):
    return rc & 0xFF


def _confirmed():
    """The answer a routed target gets once the client itself has confirmed."""
    return True


def _run_command(session, settings, text, password, stdin, out):
    """One command: ANS8000I, its answer, ANS8001I. Returns its return code."""
    def confirm():
        if settings.get("NOConfirm"):
            return True
        out.text([PROMPT])
        return stdin.line().strip().upper() in ("Y", "YES")

    if not settings.dataonly:
        out.text(["ANS8000I Server command: '%s'." % mask(text, password)])
    routed = commands.split_route(text)
    if routed and commands.needs_confirmation(routed[1]):
        # the client asks once, before any server is contacted; declined: nothing is sent
        if not confirm():
            reply = commands.declined(commands.resolve(commands.split_words(routed[1]))[0])
            out.text([session.translate(line) for line in reply.items] + ["ANS8001I Return code %d." % reply.rc])
            return reply.rc
        confirm = _confirmed
    if routed:
        rc, parts = route(session.home, session, routed[0], routed[1], password, confirm)
    else:
        reply, garbled = session.answer(text, confirm)
        rc, parts = reply.rc, [(item, garbled) for item in reply.items]
    for item, garbled in parts:
        out.write(render.render([item], settings.mode, settings.dataonly, garble if garbled else None,
                                out.console, session.switches.alt_labels))
    if rc:
        out.text(["ANS8001I Return code %d." % rc])
    return rc


def find_home(env):
    """The emulator home: $SPEMU_HOME (set by the bin/dsmadmc launcher), else $DSM_DIR."""
    home = env.get("SPEMU_HOME") or env.get("DSM_DIR")
    if home and os.path.exists(os.path.join(store.state_dir(home), "home.db")):
        return store.home_from_env(home)
    return None


def _session_main(settings, env, stdin, out, switches, stderr, calls):
    name, _stanza = select_server(settings, env)
    calls.server = name
    home = find_home(env)
    if home is None or name not in store.server_names(home):
        raise Failure(RC_TCP, tcp_failure())
    faults = wait_for_faults(home, name)
    session = Session(home, name, switches)
    try:
        if not settings.dataonly:
            out.text(client_banner(session.info))
        admin, password = credentials(settings, stdin, out, switches, stderr)
        if "down" in faults:
            raise Failure(RC_TCP, tcp_failure())
        if not session.authenticate(admin, password, faults):
            raise Failure(RC_AUTH, auth_failure())
        now, last = session.open()
        if not settings.dataonly:
            out.text(session_banner(session.info, now, last, session.formats))
        texts = [settings.command] if settings.command else _stdin_commands(stdin)
        highest = 0
        for text in _expand_macros(texts, calls):
            if isinstance(text, MacroError):
                highest = max(highest, _client_error(session, text, out, calls))
                continue
            session.start(mask(text, password))
            rc = _run_command(session, settings, text, password, stdin, out)
            calls.command(mask(text, password), rc)
            highest = max(highest, rc)
            if not settings.command:
                session.idle()                 # waits for the next line of its input
        return highest
    finally:
        calls.signons += session.signons
        session.close()


def _stdin_commands(stdin):
    """[DECIDED] no command on the command line: one command per input line (after the user id
    and password when they are read from there), until EOF or QUIT."""
    while True:
        line = stdin.stream.readline()
        if not line or line.strip().upper() == "QUIT":
            return
        if line.strip():
            yield line.strip()


# ---------------------------------------------------------------- macros

MACRO_DEPTH = 10     # docs: macros call macros up to ten levels deep
# [DECIDED] id and text (no source quotes the real client's); return code 4
MACRO_UNREADABLE = "ANS8005E Macro file '%s' could not be opened."
MACRO_TOO_DEEP = "ANS8006E Macro file '%s' is nested more than %d levels deep."


class MacroError:
    """A MACRO the client could not run: its message and return code, in place of its commands."""

    def __init__(self, text, rc=commands.RC_ERROR):
        self.text = text
        self.rc = rc


def _macro_words(text):
    """'MACRO file v1 v2' -> (file, [v1, v2]) when the command is the client's MACRO command
    (MAcro, any case), else None. Values may be quoted."""
    words = text.split(None, 1)
    if not words or not commands.keyword(words[0], "MAcro"):
        return None
    try:
        rest = commands.split_words(words[1]) if len(words) > 1 else []
    except (commands.QuoteError, commands.CommandError):
        rest = (words[1].split() if len(words) > 1 else [])
    if not rest:
        return None
    return rest[0], rest[1:]


def macro_commands(text, values=()):
    """The commands of a macro file (docs "Administrative client macros"): blank lines are
    skipped; /* ... */ comments are dropped (they may span lines); a line ending in '-' or '+'
    continues on the next line (the character is dropped and the next line's leading blanks
    with it [DECIDED: both alike]), and a blank line ends a continued command; %1, %2 ... are
    replaced by the values given after the file name (a missing one by nothing [DECIDED])."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    out, pending = [], None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            if pending is not None:
                out.append(pending)
                pending = None
            continue
        piece = line if pending is None else line.lstrip()
        joined = piece if pending is None else pending + piece
        if joined.endswith(("-", "+")):
            pending = joined[:-1]
            continue
        pending = None
        out.append(joined)
    if pending is not None:
        out.append(pending)

    def substitute(match):
        index = int(match.group(1)) - 1
        return values[index] if 0 <= index < len(values) else ""
    return [re.sub(r"%(\d+)", substitute, command).strip() for command in out if command.strip()]


def _expand_macros(texts, calls, depth=0):
    """The commands to send: each text, or for a MACRO command the commands of its file
    (nested macros up to MACRO_DEPTH levels); a macro that cannot be read is a MacroError."""
    for text in texts:
        macro = _macro_words(text)
        if macro is None:
            yield text
            continue
        path, values = macro
        if depth >= MACRO_DEPTH:
            yield MacroError(MACRO_TOO_DEEP % (path, MACRO_DEPTH))
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                body = handle.read()
        except OSError:
            yield MacroError(MACRO_UNREADABLE % path)
            continue
        calls.macros += 1
        yield from _expand_macros(macro_commands(body, values), calls, depth + 1)


def _client_error(session, error, out, calls):
    """A MACRO that could not run: its message, and ANS8001I (it counts for the exit status)."""
    out.text([session.translate(error.text), "ANS8001I Return code %d." % error.rc])
    calls.command(None, error.rc)
    return error.rc


# ---------------------------------------------------------------- call log

class CallLog:
    """What one client process did, appended as one JSON line to $SPEMU_CALL_LOG when it is set
    (benchmarks count processes, sign-ons and commands with it): pid, server, argv (password
    masked), commands (masked), their return codes, sign-ons, macros, exit status, start, end."""

    def __init__(self, env, argv):
        self.path = env.get("SPEMU_CALL_LOG")
        self.argv = ["-%s=%s" % (arg[1:].split("=", 1)[0], MASK) if re.match(r"(?i)-pa[a-z]*=", arg) else arg
                     for arg in argv]
        self.server = None
        self.commands, self.rcs = [], []
        self.signons = self.macros = 0
        self.started = time.time()

    def command(self, text, rc):
        self.commands.append(text)
        self.rcs.append(rc)

    def write(self, status):
        if not self.path:
            return
        record = {"pid": os.getpid(), "server": self.server, "argv": self.argv, "commands": self.commands, "rcs": self.rcs,
                  "signons": self.signons, "macros": self.macros, "exit": status,
                  "start": self.started, "end": time.time()}
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


def main(argv=None, stdin=None, stdout=None, env=None, stderr=None):
    """Run the emulated dsmadmc; returns the exit status (highest return code)."""
    argv = sys.argv[1:] if argv is None else argv
    env = os.environ if env is None else env
    out = Output(stdout or sys.stdout)
    stdin = Input(stdin or sys.stdin)
    settings = None
    previous_msgids = msgids.override()
    calls = CallLog(env, argv)
    rc = 0
    try:
        try:
            msgids.set_override(msgids.from_env(env))
        except ValueError:
            raise _bad_env(msgids.ENV, env) from None
        switches = Switches.from_env(env)
        out.console = switches.console
        if switches.held_output:
            out.hold()
        settings = parse_argv(argv)
        if settings.get("OUTfile"):
            out = Output(open(settings.get("OUTfile"), "w", encoding="utf-8"),  # pylint: disable=consider-using-with
                         switches.console)
        rc = _session_main(settings, env, stdin, out, switches, stderr, calls)
        if not settings.dataonly:
            out.text(["ANS8002I Highest return code was %d." % rc])
    except Failure as failure:
        # [DECIDED] a failed sign-on ends like the capture (ANS8002I) even with -dataonly=yes
        out.text(failure.lines + ["ANS8002I Highest return code was %d." % failure.rc])
        rc = failure.rc
    finally:
        msgids.set_override(previous_msgids)
        out.end()
        if out.stream not in (sys.stdout, stdout):
            out.stream.close()
        calls.write(exit_status(rc))
    return exit_status(rc)


def home_env(home):
    """The environment `spemu init` tells a shell to use for a home (without PATH)."""
    return {"SPEMU_HOME": home, "DSM_DIR": home, "DSM_CONFIG": os.path.join(home, "dsm.opt")}


def invoke(argv, home=None, input_text="", env=None, stderr=None):
    """Run dsmadmc in-process (tests, connector unit tests) -> (exit status, output text).
    home: an emulator home (sets SPEMU_HOME, DSM_DIR, DSM_CONFIG); env: more variables;
    stderr: a stream for what the client writes there (default: sys.stderr)."""
    variables = dict(home_env(home) if home else {}, **(env or {}))
    output = io.StringIO()
    status = main(list(argv), stdin=io.StringIO(input_text), stdout=output, env=variables, stderr=stderr)
    return status, output.getvalue()


if __name__ == "__main__":
    sys.exit(main())
