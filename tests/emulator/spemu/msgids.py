"""Unverified message ids and the SPEMU_MSGIDS=alt switch.

Many message ids the emulated server issues are not quoted by any public source the project
has (README "Message ids"). A real server may use other ids for the same events, so the
collection must key on return codes and on the state it reads back, never on these ids.
``SPEMU_MSGIDS=alt`` (environment of dsmadmc / spemu, or ``msgids: alt`` per server in a fleet
file) replaces each of them by a different id of the same severity (ANRnnnnX -> ANR9nnnX), in
the activity log and in everything the client prints; verified ids are never changed.
"""
import os
import re

ENV = "SPEMU_MSGIDS"
MODES = ("real", "alt")

# Every id the emulator issues that no source in the repository verifies (README "Message ids").
UNVERIFIED = (
    # sessions
    "ANR0490I", "ANR0491I", "ANR0538E", "ANR0539W",
    # processes
    "ANR0940I", "ANR0942E", "ANR0989E", "ANR0990E", "ANR0991W",
    # mount requests
    "ANR8308I", "ANR8325W", "ANR8341I", "ANR8342I", "ANR8343E", "ANR8344E", "ANR8346I", "ANR8499I",
    # jobs and retention sets
    "ANR3850I", "ANR3851I", "ANR3852I", "ANR3853W", "ANR3854W", "ANR3855I", "ANR3856I", "ANR3857W",
    "ANR3858I", "ANR3859W", "ANR3860E", "ANR3861E", "ANR3862E", "ANR3863E", "ANR3864E", "ANR3865I",
    "ANR3866I", "ANR3867W", "ANR3868E",
    # command errors of the actions, the refuse fault
    "ANR2020E", "ANR2022E", "ANR2023E", "ANR2032E", "ANR2035E",
    # client side: declined confirmation, macro files
    "ANS8045W", "ANS8005E", "ANS8006E",
)


def _alt(msgid):
    return "%s9%s%s" % (msgid[:3], msgid[4:7], msgid[7])


ALT = {msgid: _alt(msgid) for msgid in UNVERIFIED}
assert len(set(ALT.values())) == len(ALT), "alternative ids collide"
assert not set(ALT.values()) & set(ALT), "an alternative id is itself an unverified id"

_ID = re.compile(r"^(A[A-Z]{2}\d{4}[IWESK])")
_override = None


def set_override(mode):
    """The mode the running program imposes on every server (dsmadmc and spemu set it from
    $SPEMU_MSGIDS); None: each server's own setting. Returns the previous override."""
    global _override  # pylint: disable=global-statement
    previous = _override
    _override = check(mode) if mode else None
    return previous


def override():
    return _override


def check(mode):
    mode = str(mode).strip().lower()
    if mode not in MODES:
        raise ValueError("%s must be one of %s, not %r" % (ENV, "|".join(MODES), mode))
    return mode


def from_env(env=None):
    value = (os.environ if env is None else env).get(ENV)
    return check(value) if value else None


def translate(text, mode):
    """A message line as a server in `mode` issues it (the leading id replaced in alt mode)."""
    if mode != "alt" or not isinstance(text, str):
        return text
    match = _ID.match(text)
    if match and match.group(1) in ALT:
        return ALT[match.group(1)] + text[len(match.group(1)):]
    return text
