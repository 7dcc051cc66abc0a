"""Mount requests: opened by a task's media wait, answered (scripted, or by REPLY) and then
mounted after a while, cancelled or timed out; QUERY REQUEST's lines."""
import json

from .. import store
from . import base, logbook, processes, sessions


def open_mount(conn, when, session=None, process=None, length=None):
    """A task enters a mount wait: a REQUESTS row (answered after `length` seconds, or never:
    then it times out; once answered the volume takes `mount_time` to mount) and the operator
    message. A mount seeded with `mounting:` is already answered: its volume is being mounted."""
    owner = session or process
    mount = json.loads(owner["EMU_MOUNT"] or "{}")
    number = store.next_number(conn, "request")
    reply = bool(mount.get("reply", False))
    minutes = int(base.parse_duration(mount.get("timeout", base.MOUNT_TIMEOUT_MINUTES * 60)) // 60)
    answer = mount.get("answer", length)
    mounting = mount.get("mounting")
    values = dict(r=number, volume=mount.get("volume", "A%05dL6" % number),
                  devclass=mount.get("devclass", "LTO"), library=mount.get("library", "TAPELIB"),
                  drive=mount.get("drive", "DRIVE1"), minutes=minutes, element=element(number))
    base.insert(conn, "REQUESTS", REQUEST_NUM=number, VOLUME=values["volume"], DEVCLASS=values["devclass"],
                SESSION_ID=session["SESSION_ID"] if session else None,
                PROCESS_NUM=process["PROCESS_NUM"] if process else None,
                NEEDS_REPLY="YES" if reply else "NO", CREATED=base.ts(when), TIMEOUT_MINUTES=minutes,
                EMU_ANSWER_AT=base.ts(when + base.secs(base.parse_duration(answer))) if answer is not None else None,
                EMU_MOUNT_SECONDS=base.parse_duration(mount.get("mount_time", base.MOUNT_SECONDS)),
                EMU_MOUNTING_UNTIL=base.ts(when + base.secs(base.parse_duration(mounting))) if mounting is not None else None,
                EMU_LIBRARY=values["library"], EMU_DRIVE=values["drive"])
    text = logbook.message("mount_reply" if reply else "mount_request", **values)
    if session:
        column = ("INPUT_" if mount.get("input") else "OUTPUT_") + ("MOUNT_WAIT" if mounting is not None else "VOL_WAIT")
        base.update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], **{column: values["volume"]})
        sessions.session_log(conn, when, session, text)
    else:
        end_at = base.dt(process["EMU_END_AT"])
        remaining = (end_at - when).total_seconds() if end_at else process["EMU_REMAINING"]
        base.update(conn, "PROCESSES", "PROCESS_NUM", process["PROCESS_NUM"], EMU_END_AT=None,
                    EMU_REMAINING=remaining)
        logbook.log(conn, when, text, process=process["PROCESS_NUM"])


def element(number):
    """[DECIDED] the library slot an ANR8306I request names."""
    return 30 + number % 20


def due(request):
    if request["EMU_MOUNTING_UNTIL"] is not None:
        return base.dt(request["EMU_MOUNTING_UNTIL"]), "mounted"
    timeout = base.dt(request["CREATED"]) + base.secs(request["TIMEOUT_MINUTES"] * 60)
    answer = base.dt(request["EMU_ANSWER_AT"])
    if answer is not None and answer < timeout:
        return answer, "answer"
    return timeout, "timeout"


def owner_of(conn, request):
    if request["SESSION_ID"] is not None:
        return "session", base.fetch_row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (request["SESSION_ID"],))
    return "process", base.fetch_row(conn, "SELECT * FROM PROCESSES WHERE PROCESS_NUM=?", (request["PROCESS_NUM"],))


def outstanding_requests(conn, number=None):
    """Mount requests still waiting for the operator or the library (not those answered whose
    volume is being mounted), in request order."""
    sql = "SELECT * FROM REQUESTS WHERE EMU_MOUNTING_UNTIL IS NULL"
    if number is not None:
        return base.fetch_rows(conn, sql + " AND REQUEST_NUM=?", (int(number),))
    return base.fetch_rows(conn, sql + " ORDER BY REQUEST_NUM")


def request_lines(conn, now, number=None):
    """QUERY REQUEST: ANR8352I and each outstanding request's message with the minutes it has
    left [DECIDED: minutes left, rounded up], or None when there is none."""
    requests = outstanding_requests(conn, number)
    if not requests:
        return None
    lines = [logbook.message("requests_header")]
    for request in requests:
        left = (base.dt(request["CREATED"]) + base.secs(request["TIMEOUT_MINUTES"] * 60) - now).total_seconds()
        minutes = max(0, int(-(-left // 60)))
        key = "mount_reply" if request["NEEDS_REPLY"] == "YES" else "mount_request"
        lines.append(logbook.message(key, r=request["REQUEST_NUM"], volume=request["VOLUME"], devclass=request["DEVCLASS"],
                                     library=request["EMU_LIBRARY"] or "TAPELIB", drive=request["EMU_DRIVE"] or "DRIVE1",
                                     minutes=minutes, element=element(request["REQUEST_NUM"])))
    return lines


def drop(conn, request, when, key):
    conn.execute("DELETE FROM REQUESTS WHERE REQUEST_NUM=?", (request["REQUEST_NUM"],))
    minutes = request["TIMEOUT_MINUTES"]
    logbook.log(conn, when, logbook.message(key, r=request["REQUEST_NUM"], volume=request["VOLUME"], minutes=minutes),
                session=request["SESSION_ID"], process=request["PROCESS_NUM"])


def start_mounting(conn, request, when):
    """The request is answered: the volume is being mounted (the task still waits for it)."""
    until = when + base.secs(request["EMU_MOUNT_SECONDS"] or 0)
    base.update(conn, "REQUESTS", "REQUEST_NUM", request["REQUEST_NUM"], EMU_MOUNTING_UNTIL=base.ts(until))
    if request["SESSION_ID"] is not None:
        session = base.fetch_row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (request["SESSION_ID"],))
        if session is not None:
            prefix = "INPUT_" if session["INPUT_VOL_WAIT"] else "OUTPUT_"
            base.update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"],
                        **{prefix + "VOL_WAIT": None, prefix + "MOUNT_WAIT": request["VOLUME"]})


def resolve(conn, request, when, how, admin=None):
    """A mount request ends: answered (the volume is mounted, then the task goes on), or
    cancelled / timed out (the task fails). A task whose cancel was pending ends now either way."""
    if how == "answer" and (request["EMU_MOUNT_SECONDS"] or 0) > 0:
        start_mounting(conn, request, when)
        return
    kind, owner = owner_of(conn, request)
    if how in ("answer", "mounted"):
        conn.execute("DELETE FROM REQUESTS WHERE REQUEST_NUM=?", (request["REQUEST_NUM"],))
        text = logbook.message("mounted", devclass=request["DEVCLASS"], volume=request["VOLUME"],
                               drive=request["EMU_DRIVE"] or "DRIVE1")
        logbook.log(conn, when, text, session=request["SESSION_ID"], process=request["PROCESS_NUM"])
    else:
        drop(conn, request, when, "mount_timeout" if how == "timeout" else "mount_canceled")
    if owner is None:
        return
    failed = how not in ("answer", "mounted")
    if kind == "session":
        if owner["EMU_CANCEL"] is not None:
            sessions.begin_end(conn, owner, when, "cancel")
        elif failed:
            sessions.begin_end(conn, owner, when, "mount")
        else:
            sessions.next_step(conn, owner, when)
        return
    if failed:
        logbook.log(conn, when, logbook.message("mount_denied", volume=request["VOLUME"]), process=owner["PROCESS_NUM"])
    if owner["EMU_CANCEL"] is not None or failed:
        processes.end_process(conn, owner, when, "FAILURE", canceled_by=admin if owner["EMU_CANCEL"] else None)
    else:
        base.update(conn, "PROCESSES", "PROCESS_NUM", owner["PROCESS_NUM"],
                    EMU_END_AT=base.ts(when + base.secs(owner["EMU_REMAINING"])) if owner["EMU_REMAINING"] is not None else None,
                    EMU_REMAINING=None)


def cancellable(request):
    """A task's cancel also cancels its plain mount requests; one that needs an operator reply
    is left to the operator, and a volume being mounted finishes mounting (page)."""
    return request["NEEDS_REPLY"] != "YES" and request["EMU_MOUNTING_UNTIL"] is None
