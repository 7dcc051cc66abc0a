"""Fake dsmadmc scripts of the unit tests that answer one command per call can also answer a
session that reads its commands from standard input (what Dsmadmc.run_batch sends, issue 10).

``with_sessions(script)`` puts a prologue after the script's first line (the #! line). Called with
no command (its last argument is an option), the script reads the password line (unless the
password or a credentials file is on the command line), then the commands up to QUIT; it runs
itself once per command (with FAKE_INNER=1 in the environment, which a script's own log should
skip: `if FAKE_LOG:`) and frames each answer as the client does:
``ANS8000I Server command: '...'.``, the answer, ``ANS8001I Return code N.`` after a failing one.
A first command that fails at the sign-on (ANS1051I, ANS8023E, ANS1017E or the password prompt)
ends the session unechoed. It answers each command as soon as it has read it (a conversation,
Dsmadmc.conversing), and a conversation's mark (``SELECT 'SPOPS' || 'token' AS MARK FROM
STATUS``) with ``MARK: SPOPStoken``. It logs ONE call when it ends: argv, stdin, the commands it
ran (marks left out) and how many marks. FAKE_NO_ECHO=1 makes it a client that does not echo the
commands it reads; FAKE_HELD=1 one that reads all its input before it answers (a client that
holds its output until it ends).
"""

PROLOGUE = r'''
import json as _json, os as _os, re as _re, subprocess as _subprocess, sys as _sys
FAKE_LOG = not _os.environ.get("FAKE_INNER")
_MARK = _re.compile(r"^SELECT '(\w+)' \|\| '(\w+)' AS MARK FROM STATUS$")
def _SIGN_ON_FAILED(text):
    return any(word in text for word in ("ANS1051I", "ANS8023E", "ANS1017E", "Enter your password"))
def _fake_session():
    argv = _sys.argv[1:]
    if not argv or not argv[-1].startswith("-") or _os.environ.get("FAKE_INNER"):
        return
    held = _os.environ.get("FAKE_HELD")
    data, lines = "", []
    if held:
        data = _sys.stdin.read()
        lines = data.split("\n")
    def line():
        nonlocal data
        if held:
            return lines.pop(0) + "\n" if lines else ""
        text = _sys.stdin.readline()
        data += text
        return text
    def inner(command):
        return _subprocess.run([_sys.executable, _os.path.abspath(__file__)] + argv + [command],
                               input=(password + "\n") if password is not None else "",
                               env=dict(_os.environ, FAKE_INNER="1"), capture_output=True, text=True)
    out = []
    def emit(text):
        if held:
            out.append(text)
        else:
            _sys.stdout.write(text)
            _sys.stdout.flush()
    def finish(status, commands, marks):
        log = FAKE_SESSION_LOG
        if log:
            with open(log, "a") as handle:
                handle.write(_json.dumps({"argv": argv, "stdin": data, "commands": commands, "marks": marks}) + "\n")
        _sys.stdout.write("".join(out))
        _sys.exit(status)
    password = None
    if not any(a.startswith(("-password=", "-pa=", "-credentialsfile=")) for a in argv):
        password = line().rstrip("\n")
    commands, marks, highest = [], 0, 0
    while True:
        text = line()
        if not text or text.strip().upper() == "QUIT":
            break
        command = text.strip()
        if not command:
            continue
        echo = "" if _os.environ.get("FAKE_NO_ECHO") else "ANS8000I Server command: '%s'.\n" % command
        mark = _MARK.match(command)
        if mark:
            marks += 1
            emit(echo + "MARK: %s%s\n" % mark.groups())
            continue
        commands.append(command)
        answer = inner(command)
        _sys.stderr.write(answer.stderr)
        if len(commands) == 1 and answer.returncode not in (0, 11) and _SIGN_ON_FAILED(answer.stdout):
            emit(answer.stdout)     # the sign-on failed: the client ran no command
            finish(answer.returncode, [], marks)
        failed = "ANS8001I Return code %d.\n" % answer.returncode if answer.returncode and \
            "ANS8001I" not in answer.stdout else ""
        emit(echo + answer.stdout + failed)
        highest = max(highest, answer.returncode)
    finish(highest, commands, marks)
_fake_session()
'''


def with_sessions(script, log=None):
    """The script with the session prologue after its #! line; a session is logged to `log`
    (one JSON line: argv, stdin, commands)."""
    first, rest = script.split('\n', 1)
    return first + '\nFAKE_SESSION_LOG = %r\n' % (str(log) if log else None) + PROLOGUE + rest
