"""Fake dsmadmc scripts of the unit tests that answer one command per call can also answer a
session that reads its commands from standard input (what Dsmadmc.run_batch sends, issue 10).

``with_sessions(script)`` puts a prologue after the script's first line (the #! line). Called with
no command (its last argument is an option), the script reads the password line (unless the
password or a credentials file is on the command line), then the commands up to QUIT; it runs
itself once per command (with FAKE_INNER=1 in the environment, which a script's own log should
skip: `if FAKE_LOG:`) and frames each answer as the client does: ``ANS8000I Server command: '...'.``, the answer,
``ANS8001I Return code N.`` after a failing one. A first command that fails at the sign-on
(ANS1051I, ANS8023E, ANS1017E or the password prompt) ends the session unechoed. It logs ONE call, with the commands it read.
FAKE_NO_ECHO=1 makes it a client that does not echo the commands it reads.
"""

PROLOGUE = r'''
import json as _json, os as _os, subprocess as _subprocess, sys as _sys
FAKE_LOG = not _os.environ.get("FAKE_INNER")
def _SIGN_ON_FAILED(text):
    return any(word in text for word in ("ANS1051I", "ANS8023E", "ANS1017E", "Enter your password"))
def _fake_session():
    argv = _sys.argv[1:]
    if not argv or not argv[-1].startswith("-") or _os.environ.get("FAKE_INNER"):
        return
    data = _sys.stdin.read()
    lines = data.split("\n")
    password = None
    if not any(a.startswith(("-password=", "-pa=", "-credentialsfile=")) for a in argv):
        password, lines = lines[0], lines[1:]
    commands = []
    for line in lines:
        if line.strip().upper() == "QUIT":
            break
        if line.strip():
            commands.append(line.strip())
    log = FAKE_SESSION_LOG
    if log:
        with open(log, "a") as handle:
            handle.write(_json.dumps({"argv": argv, "stdin": data, "commands": commands}) + "\n")
    highest = 0
    for command in commands:
        inner = _subprocess.run([_sys.executable, _os.path.abspath(__file__)] + argv + [command],
                                input=(password + "\n") if password is not None else "",
                                env=dict(_os.environ, FAKE_INNER="1"), capture_output=True, text=True)
        _sys.stderr.write(inner.stderr)
        if command is commands[0] and inner.returncode not in (0, 11) and _SIGN_ON_FAILED(inner.stdout):
            _sys.stdout.write(inner.stdout)     # the sign-on failed: the client ran no command
            _sys.exit(inner.returncode)
        if not _os.environ.get("FAKE_NO_ECHO"):
            print("ANS8000I Server command: '%s'." % command)
        _sys.stdout.write(inner.stdout)
        if inner.returncode and "ANS8001I" not in inner.stdout:
            print("ANS8001I Return code %d." % inner.returncode)
        highest = max(highest, inner.returncode)
    _sys.exit(highest)
_fake_session()
'''


def with_sessions(script, log=None):
    """The script with the session prologue after its #! line; a session is logged to `log`
    (one JSON line: argv, stdin, commands)."""
    first, rest = script.split('\n', 1)
    return first + '\nFAKE_SESSION_LOG = %r\n' % (str(log) if log else None) + PROLOGUE + rest
