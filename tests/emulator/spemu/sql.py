"""SELECT for the emulated server: the DB2 dialect real scripts use, run by SQLite.

:func:`translate` rewrites a statement token by token (strings and quoted names are never
touched):

* trailing ``FOR READ ONLY`` / ``FOR FETCH ONLY`` / ``WITH UR|CS|RS|RR`` / ``OPTIMIZE FOR n
  ROWS`` are dropped; ``FETCH FIRST n ROWS ONLY`` becomes ``LIMIT n``;
* ``CURRENT_TIMESTAMP`` / ``CURRENT TIMESTAMP`` (and DATE, TIME) become the emulated clock;
* labeled durations ``x - 24 HOURS``, ``x + 1 DAY``, ``x - 86400 SECONDS`` become
  ``DB2_ADD(x, n, unit)``; every other binary minus becomes ``DB2_MINUS(a, b)``, which
  subtracts numbers as numbers and timestamps the DB2 way (a timestamp duration
  yyyymmddhhmmss.ffffff); ``(a - b) SECONDS`` turns a duration into a number of units;
* ``CAST(x AS TIMESTAMP|DATE|TIME|DECIMAL(p,s))`` become DB2-like functions.

DB2 scalar functions (DAYS, DATE, TIME, TIMESTAMP, HOUR ..., CHAR, VARCHAR, DECIMAL,
TIMESTAMPDIFF, VALUE, ...) are Python functions registered on the connection.

:func:`run_select` runs the statement on a read-only connection of its own where each public
table is a TEMP VIEW of its public columns (no EMU_ column, no private table: an authorizer
refuses any other read), so SELECT * shows exactly what the real server shows.
"""
import calendar
import contextlib
import dataclasses
import datetime
import decimal
import pathlib
import re
import sqlite3

from . import store

# Tables SELECT can read (server-facts.md §1-§5; JOBS is [DECIDED], V8.1.12+ only).
TABLES = ("SESSIONS", "PROCESSES", "SUMMARY", "SUMMARY_EXTENDED", "ACTLOG", "COLUMNS",
          "STATUS", "JOBS")
JOB_COLUMNS = {"PROCESSES": ("JOB_ID", "PARENT_PROCESS")}   # shown from V8.1.12 ([DECIDED] §3)

UNITS = {"MICROSECOND": 1e-6, "SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400,
         "MONTH": None, "YEAR": None}
KEYWORDS = {
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "BETWEEN", "AS", "ON", "BY", "GROUP",
    "ORDER", "HAVING", "IS", "IN", "LIKE", "THEN", "WHEN", "ELSE", "CASE", "END", "DISTINCT",
    "ALL", "UNION", "EXCEPT", "INTERSECT", "JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "CROSS",
    "FULL", "ESCAPE", "EXISTS", "LIMIT", "OFFSET", "ASC", "DESC", "WITH", "FETCH", "FIRST",
}
ARITHMETIC = frozenset(("+", "-", "*", "/", "||"))

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qid>"(?:[^"]|"")*")
  | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_$#@]*)
  | (?P<op><=|>=|<>|!=|\|\||==|[-+*/=<>(),.;%])
""", re.VERBOSE)


class SqlError(Exception):
    """A statement the server rejects; str() is the ANR message line."""


def _syntax(token):
    return SqlError("ANR2904E Unexpected SQL key word token - '%s'." % token)


# ---------------------------------------------------------------- tokens and tree

@dataclasses.dataclass
class Tok:
    kind: str       # str qid num id op
    text: str

    @property
    def word(self):
        return self.text.upper() if self.kind == "id" else None


@dataclasses.dataclass
class Group:        # ( ... )
    nodes: list


@dataclasses.dataclass
class Call:         # a function call written by the translation
    name: str
    args: list      # lists of nodes


def tokenize(text):
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise _syntax(text[pos:pos + 20].split()[0] if text[pos:].split() else text[pos])
        pos = match.end()
        if match.lastgroup != "ws":
            tokens.append(Tok(match.lastgroup, match.group()))
    return tokens


def _tree(tokens):
    stack = [[]]
    for tok in tokens:
        if tok.text == "(" and tok.kind == "op":
            stack.append([])
        elif tok.text == ")" and tok.kind == "op":
            if len(stack) == 1:
                raise _syntax(")")
            inner = stack.pop()
            stack[-1].append(Group(inner))
        else:
            stack[-1].append(tok)
    if len(stack) != 1:
        raise _syntax("(")
    return stack[0]


def emit(nodes):
    parts = []
    for node in nodes:
        if isinstance(node, Group):
            parts.append("(" + emit(node.nodes) + ")")
        elif isinstance(node, Call):
            parts.append("%s(%s)" % (node.name, ", ".join(emit(arg) for arg in node.args)))
        else:
            parts.append(node.text)
    return " ".join(parts)


def _word(node):
    return node.word if isinstance(node, Tok) else None


def _is_op(node, ops=ARITHMETIC):
    return isinstance(node, Tok) and node.kind == "op" and node.text in ops


def _unit(item):
    """A duration unit (SECONDS, DAY, ...): an operand that is one bare name, not a call."""
    if not (isinstance(item, list) and len(item) == 1 and isinstance(item[0], Tok) and item[0].kind == "id"):
        return None
    word = item[0].word
    word = word[:-1] if word.endswith("S") else word
    return word if word in UNITS else None


# ---------------------------------------------------------------- atoms

def _atoms(nodes):
    """Group nodes into operands: function calls, dotted names, groups, literals.
    Returns a list where an operand is a list of nodes and anything else a single node."""
    out, i = [], 0
    while i < len(nodes):
        node = nodes[i]
        nxt = nodes[i + 1] if i + 1 < len(nodes) else None
        if isinstance(node, (Group, Call)) or (isinstance(node, Tok) and node.kind in ("str", "num", "qid")):
            out.append([node])
        elif isinstance(node, Tok) and node.kind == "id" and node.word not in KEYWORDS:
            atom = [node]
            while i + 2 < len(nodes) and _is_op(nodes[i + 1], {"."}) and (
                    (isinstance(nodes[i + 2], Tok) and nodes[i + 2].kind in ("id", "qid"))
                    or _is_op(nodes[i + 2], {"*"})):
                atom += nodes[i + 1:i + 3]
                i += 2
            nxt = nodes[i + 1] if i + 1 < len(nodes) else None
            if isinstance(nxt, Group) and len(atom) == 1:
                atom.append(nxt)
                i += 1
            out.append(atom)
        else:
            out.append(node)
        i += 1
    return out


def _is_atom(item):
    return isinstance(item, list)


def _flatten(items):
    nodes = []
    for item in items:
        nodes.extend(item if _is_atom(item) else [item])
    return nodes


def _left_operand(items, op_index):
    """Start index of the additive expression that ends just before items[op_index]."""
    start = op_index - 1
    while start - 2 >= 0 and _is_op(items[start - 1]) and _is_atom(items[start - 2]):
        start -= 2
    return start


def _right_operand(items, op_index):
    """End index (inclusive) of the multiplicative expression after items[op_index]."""
    end = op_index + 1
    while end + 2 < len(items) and _is_op(items[end + 1], {"*", "/", "||"}) and _is_atom(items[end + 2]):
        end += 2
    return end


def _binary(items, k):
    return k >= 1 and _is_atom(items[k - 1])


def _durations(items):
    """x +/- n UNIT -> DB2_ADD(x, +/-n, 'UNIT'); left to right (left associative)."""
    k = 0
    while k + 2 < len(items):
        if _is_op(items[k], {"+", "-"}) and _binary(items, k) and _is_atom(items[k + 1]):
            unit = _unit(items[k + 2])
            if unit:
                start = _left_operand(items, k)
                amount = items[k + 1] if items[k].text == "+" else [Tok("op", "-")] + items[k + 1]
                call = Call("DB2_ADD", [_flatten(items[start:k]), amount, [Tok("str", "'%s'" % unit)]])
                items[start:k + 3] = [[call]]
                k = start
        k += 1
    return items


def _minus(items):
    """a - b (binary) -> DB2_MINUS(a, b)."""
    k = 0
    while k + 1 < len(items):
        if _is_op(items[k], {"-"}) and _binary(items, k):
            right_start = k + 1
            if _is_op(items[right_start], {"-", "+"}) and right_start + 1 < len(items) and _is_atom(items[right_start + 1]):
                items[right_start:right_start + 2] = [[items[right_start]] + items[right_start + 1]]
            if _is_atom(items[right_start]):
                start, end = _left_operand(items, k), _right_operand(items, k)
                call = Call("DB2_MINUS", [_flatten(items[start:k]), _flatten(items[k + 1:end + 1])])
                items[start:end + 1] = [[call]]
                k = start
        k += 1
    return items


def _postfix_units(items):
    """(a - b) SECONDS (not after + or -) -> DB2_UNITS(a - b, 'SECOND')."""
    k = 1
    while k < len(items):
        unit = _unit(items[k])
        if unit and _is_atom(items[k - 1]) and isinstance(items[k - 1][0], Group) and len(items[k - 1]) == 1 \
                and not (k >= 2 and _is_op(items[k - 2], {"+", "-"})):
            items[k - 1:k + 1] = [[Call("DB2_UNITS", [items[k - 1], [Tok("str", "'%s'" % unit)]])]]
            continue
        k += 1
    return items


# ---------------------------------------------------------------- rewriting

_CAST_FUNCS = {"TIMESTAMP": "TIMESTAMP", "DATE": "DATE", "TIME": "TIME",
               "DECIMAL": "DECIMAL", "DEC": "DECIMAL", "NUMERIC": "DECIMAL"}


def _cast(group):
    """CAST(x AS type): DB2 types SQLite would get wrong become functions; None: keep."""
    nodes = group.nodes
    positions = [i for i, node in enumerate(nodes) if _word(node) == "AS"]
    if not positions:
        raise _syntax("CAST")
    split = positions[-1]
    expr, type_nodes = _rewrite(nodes[:split]), nodes[split + 1:]
    name = _word(type_nodes[0]) if type_nodes else None
    if name not in _CAST_FUNCS:
        return [Tok("id", "CAST"), Group(expr + nodes[split:])]
    args = [expr]
    if len(type_nodes) > 1 and isinstance(type_nodes[1], Group):
        args += [[n] for n in type_nodes[1].nodes if not _is_op(n, {","})]
    return [Call(_CAST_FUNCS[name], args)]


def _rewrite(nodes):
    """Rewrite one level of the tree (and, first, every level below it)."""
    level = []
    i = 0
    while i < len(nodes):
        node = nodes[i]
        nxt = nodes[i + 1] if i + 1 < len(nodes) else None
        if _word(node) == "CAST" and isinstance(nxt, Group):
            level.extend(_cast(nxt))
            i += 2
            continue
        level.append(Group(_rewrite(node.nodes)) if isinstance(node, Group) else node)
        i += 1
    items = _atoms(level)
    items = _postfix_units(_minus(_durations(items)))
    return _flatten(items)


def _strip_tail(tokens):
    """Drop the DB2 clauses SQLite does not know; FETCH FIRST n ROWS ONLY -> LIMIT n."""
    words = [t.word for t in tokens]
    while tokens:
        if tokens[-1].text == ";":
            tokens, words = tokens[:-1], words[:-1]
        elif words[-3:] in (["FOR", "READ", "ONLY"], ["FOR", "FETCH", "ONLY"]):
            tokens, words = tokens[:-3], words[:-3]
        elif words[-2:-1] == ["WITH"] and words[-1] in ("UR", "CS", "RS", "RR"):
            tokens, words = tokens[:-2], words[:-2]
        elif len(words) >= 4 and words[-4:-2] == ["OPTIMIZE", "FOR"] and words[-1] in ("ROW", "ROWS"):
            tokens, words = tokens[:-4], words[:-4]
        elif words[-1:] == ["ONLY"] and words[-2:-1] and words[-2] in ("ROW", "ROWS") and "FETCH" in words:
            start = len(words) - 1 - words[::-1].index("FETCH")
            middle = tokens[start + 2:-2]
            if words[start + 1] not in ("FIRST", "NEXT") or len(middle) > 1:
                raise _syntax("FETCH")
            count = middle[0].text if middle else "1"
            tokens = tokens[:start] + [Tok("id", "LIMIT"), Tok("num", count)]
            words = [t.word for t in tokens]
        else:
            break
    return tokens


def _registers(tokens, now):
    """CURRENT_TIMESTAMP, CURRENT TIMESTAMP, CURRENT DATE, CURRENT TIME -> literals of `now`."""
    values = {"TIMESTAMP": store.fmt_ts(now), "DATE": now.strftime("%Y-%m-%d"),
              "TIME": now.strftime("%H:%M:%S")}
    out, i = [], 0
    while i < len(tokens):
        word = tokens[i].word
        nxt = tokens[i + 1].word if i + 1 < len(tokens) else None
        if word == "CURRENT" and nxt in values:
            out.append(Tok("str", "'%s'" % values[nxt]))
            i += 2
            continue
        if word and word.startswith("CURRENT_") and word[8:] in values:
            out.append(Tok("str", "'%s'" % values[word[8:]]))
        else:
            out.append(tokens[i])
        i += 1
    return out


def translate(statement, now):
    """DB2 SELECT text -> SQLite SELECT text (raises SqlError)."""
    tokens = tokenize(statement)
    if not tokens or tokens[0].word not in ("SELECT", "WITH"):
        raise _syntax(tokens[0].text if tokens else "")
    tokens = _registers(_strip_tail(tokens), now)
    if any(t.text == ";" for t in tokens):
        raise _syntax(";")
    return emit(_rewrite(_tree(tokens)))


# ---------------------------------------------------------------- DB2 values

_TS_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d-%H.%M.%S.%f",
               "%Y-%m-%d-%H.%M.%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def _parse(value):
    """A DB2 value -> ('ts', datetime) | ('date', date) | ('time', time) | ('num', Decimal)."""
    if isinstance(value, (int, float)):
        return "num", decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(value)
    text = str(value).strip()
    for fmt in _TS_FORMATS:
        with contextlib.suppress(ValueError):
            return "ts", datetime.datetime.strptime(text, fmt)
    for fmt, kind in (("%Y-%m-%d", "date"), ("%m/%d/%Y", "date"), ("%H:%M:%S", "time"), ("%H.%M.%S", "time")):
        with contextlib.suppress(ValueError):
            parsed = datetime.datetime.strptime(text, fmt)
            return kind, parsed.date() if kind == "date" else parsed.time()
    try:
        return "num", decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError("not a date, time, timestamp or number: %r" % text) from None


def _timestamp(value):
    kind, parsed = _parse(value)
    if kind == "ts":
        return parsed
    if kind == "date":
        return datetime.datetime.combine(parsed, datetime.time())
    raise ValueError("not a timestamp: %r" % value)


def _number_out(amount):
    amount = decimal.Decimal(amount)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _add_months(when, months):
    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def db2_add(value, amount, unit):
    """value + amount UNIT (a labeled duration)."""
    if value is None or amount is None:
        return None
    kind, parsed = _parse(value)
    amount = float(amount)
    if kind == "num":
        raise ValueError("a labeled duration needs a date, time or timestamp")
    base = parsed if kind == "ts" else datetime.datetime.combine(
        parsed if kind == "date" else datetime.date(2000, 1, 1), parsed if kind == "time" else datetime.time())
    if UNITS[unit] is None:
        result = _add_months(base, int(amount) * (12 if unit == "YEAR" else 1))
    else:
        result = base + datetime.timedelta(seconds=amount * UNITS[unit])
    if kind == "date":
        return result.strftime("%Y-%m-%d")
    if kind == "time":
        return result.strftime("%H:%M:%S")
    return store.fmt_ts(result)


def _ts_duration(later, earlier):
    """DB2 timestamp subtraction (later >= earlier) -> (y, mo, d, h, mi, s, us)."""
    us = later.microsecond - earlier.microsecond
    carry = us < 0
    us += 1000000 if carry else 0
    parts = []
    for unit, size in (("second", 60), ("minute", 60), ("hour", 24)):
        amount = getattr(later, unit) - getattr(earlier, unit) - carry
        carry = amount < 0
        parts.append(amount + size if carry else amount)
    start_day = earlier.day + carry
    if later.day >= start_day:
        days, carry = later.day - start_day, False
    else:
        days, carry = calendar.monthrange(earlier.year, earlier.month)[1] + later.day - start_day, True
    months = later.month - earlier.month - carry
    carry = months < 0
    months += 12 if carry else 0
    years = later.year - earlier.year - carry
    seconds, minutes, hours = parts
    return years, months, days, hours, minutes, seconds, us


def db2_minus(left, right):
    """a - b: numbers as numbers; timestamps/dates/times give DB2 durations (decimal)."""
    if left is None or right is None:
        return None
    (lkind, lval), (rkind, rval) = _parse(left), _parse(right)
    if lkind == rkind == "num":
        return _number_out(lval - rval)
    if lkind == "num" or rkind == "num":
        raise ValueError("cannot subtract %s and %s" % (lkind, rkind))
    if "time" in (lkind, rkind) and lkind != rkind:
        raise ValueError("cannot subtract %s and %s" % (lkind, rkind))
    as_ts = {"ts": lambda v: v, "date": lambda v: datetime.datetime.combine(v, datetime.time()),
             "time": lambda v: datetime.datetime.combine(datetime.date(2000, 1, 1), v)}
    later, earlier = as_ts[lkind](lval), as_ts[rkind](rval)
    sign = 1
    if later < earlier:
        later, earlier, sign = earlier, later, -1
    y, mo, d, h, mi, s, us = _ts_duration(later, earlier)
    if lkind == rkind == "date":
        value = decimal.Decimal(y * 10000 + mo * 100 + d)
    elif lkind == rkind == "time":
        value = decimal.Decimal(h * 10000 + mi * 100 + s)
    else:
        value = decimal.Decimal(((((y * 100 + mo) * 100 + d) * 100 + h) * 100 + mi) * 100 + s) \
            + decimal.Decimal(us) / 1000000
    return _number_out(sign * value)


def _duration_parts(value):
    """A timestamp duration (number or its CHAR) -> (sign, y, mo, d, h, mi, s, us)."""
    amount = decimal.Decimal(str(value).strip())
    sign = -1 if amount < 0 else 1
    amount = abs(amount)
    whole = int(amount)
    us = int((amount - whole) * 1000000)
    digits = []
    for size in (100, 100, 100, 100, 100):
        digits.append(whole % size)
        whole //= size
    s, mi, h, d, mo = digits
    return sign, whole, mo, d, h, mi, s, us


def timestampdiff(kind, value):
    """TIMESTAMPDIFF(n, CHAR(ts1 - ts2)) with DB2's estimates (365-day years, 30-day months)."""
    if value is None:
        return None
    sign, y, mo, d, h, mi, s, us = _duration_parts(value)
    days = y * 365 + mo * 30 + d
    seconds = ((days * 24 + h) * 60 + mi) * 60 + s
    months = y * 12 + mo
    result = {1: seconds * 1000000 + us, 2: seconds, 4: seconds // 60, 8: seconds // 3600,
              16: days, 32: days // 7, 64: months, 128: months // 3, 256: y}
    if int(kind) not in result:
        raise ValueError("TIMESTAMPDIFF interval %r" % kind)
    return sign * result[int(kind)]


def db2_units(value, unit):
    """(ts1 - ts2) SECONDS: a duration as a whole number of units (old TSM SQL form)."""
    if value is None:
        return None
    kinds = {"MICROSECOND": 1, "SECOND": 2, "MINUTE": 4, "HOUR": 8, "DAY": 16, "MONTH": 64, "YEAR": 256}
    return timestampdiff(kinds[unit], value)


def _component(attr):
    def get(value):
        if value is None:
            return None
        kind, parsed = _parse(value)
        if kind == "num":
            sign, y, mo, d, h, mi, s, us = _duration_parts(parsed)
            return sign * {"year": y, "month": mo, "day": d, "hour": h, "minute": mi,
                           "second": s, "microsecond": us}[attr]
        return getattr(parsed, attr)
    return get


def days(value):
    if value is None:
        return None
    return _timestamp(value).date().toordinal()


def date(value):
    if value is None:
        return None
    kind, parsed = _parse(value)
    if kind == "num":
        return datetime.date.fromordinal(int(parsed)).isoformat()
    return _timestamp(value).date().isoformat()


def time(value):
    if value is None:
        return None
    kind, parsed = _parse(value)
    return (parsed if kind == "time" else _timestamp(value).time()).strftime("%H:%M:%S")


def timestamp(value, time_part=None):
    if value is None:
        return None
    if time_part is not None:
        return store.fmt_ts(datetime.datetime.combine(_timestamp(value).date(), _parse(time_part)[1]))
    return store.fmt_ts(_timestamp(value))


def char(value, _length_or_format=None):
    if value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def decimal_(value, precision=None, scale=0):
    """DECIMAL(x, p, s): truncated to s decimals (DB2 truncates, never rounds)."""
    if value is None:
        return None
    amount = _parse(value)[1] if not isinstance(value, (int, float)) else decimal.Decimal(repr(value))
    quantum = decimal.Decimal(1).scaleb(-int(scale or 0))
    return _number_out(decimal.Decimal(amount).quantize(quantum, rounding=decimal.ROUND_DOWN))


def integer(value):
    return None if value is None else int(decimal_(value))


def dayofweek(value):
    return None if value is None else _timestamp(value).isoweekday() % 7 + 1


def value_(*args):
    return next((arg for arg in args if arg is not None), None)


def posstr(text, part):
    return None if text is None or part is None else str(text).find(str(part)) + 1


FUNCTIONS = {
    "DB2_ADD": (db2_add, 3), "DB2_MINUS": (db2_minus, 2), "DB2_UNITS": (db2_units, 2),
    "TIMESTAMPDIFF": (timestampdiff, 2), "DAYS": (days, 1), "DATE": (date, 1), "TIME": (time, 1),
    "TIMESTAMP": (timestamp, -1), "CHAR": (char, -1), "VARCHAR": (char, -1),
    "DECIMAL": (decimal_, -1), "DEC": (decimal_, -1), "INTEGER": (integer, 1), "INT": (integer, 1),
    "BIGINT": (integer, 1), "DOUBLE": (lambda v: None if v is None else float(_parse(v)[1]), 1),
    "YEAR": (_component("year"), 1), "MONTH": (_component("month"), 1), "DAY": (_component("day"), 1),
    "HOUR": (_component("hour"), 1), "MINUTE": (_component("minute"), 1),
    "SECOND": (_component("second"), 1), "MICROSECOND": (_component("microsecond"), 1),
    "DAYOFWEEK": (dayofweek, 1), "VALUE": (value_, -1),
    "LCASE": (lambda v: None if v is None else str(v).lower(), 1),
    "UCASE": (lambda v: None if v is None else str(v).upper(), 1),
    "CONCAT": (lambda a, b: None if a is None or b is None else "%s%s" % (a, b), 2),
    "POSSTR": (posstr, 2), "LOCATE": (lambda part, text: posstr(text, part), 2),
}


# ---------------------------------------------------------------- running

@dataclasses.dataclass
class Result:
    columns: list       # column names as the real server labels them
    rows: list          # tuples of Python values
    numeric: list       # per column: every value a number (right-aligned in tables)


def _visible(jobs):
    """{table: public columns} that SELECT may read on this server."""
    visible = {}
    for table in TABLES:
        if jobs or table != "JOBS":
            hidden = () if jobs else JOB_COLUMNS.get(table, ())
            visible[table] = [c for c in store.public_columns(table) if c not in hidden]
    return visible


def _views(conn, visible):
    for table, cols in visible.items():
        where = ""
        if table == "COLUMNS":
            where = " WHERE TABNAME IN (%s)" % ", ".join("'%s'" % t for t in visible)
            for name, hidden in JOB_COLUMNS.items():
                shown = set(visible.get(name, ()))
                where += "".join(" AND NOT (TABNAME='%s' AND COLNAME='%s')" % (name, col)
                                 for col in hidden if col not in shown)
        conn.execute("CREATE TEMP VIEW %s AS SELECT %s FROM main.%s%s" % (table, ", ".join(cols), table, where))


def _connect(path, jobs):
    """Read-only connection with the public views; an authorizer refuses every read of a
    private table or column (returns the connection and the list of refused names)."""
    conn = sqlite3.connect(pathlib.Path(path).absolute().as_uri() + "?mode=ro", uri=True,
                           timeout=store.BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    visible = _visible(jobs)
    _views(conn, visible)
    conn.execute("PRAGMA case_sensitive_like=ON")
    for name, (func, nargs) in FUNCTIONS.items():
        conn.create_function(name, nargs, func)
    refused = []

    def authorize(action, table, column, database, _view):
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ and (
                database == "temp" or column == "" and str(table).upper() in visible
                or column and column.upper() in visible.get(str(table).upper(), ())):
            return sqlite3.SQLITE_OK
        refused.append(table)
        return sqlite3.SQLITE_DENY

    conn.set_authorizer(authorize)
    return conn, refused


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$#@]*$")


def _error(error, refused):
    text = str(error)
    match = re.match(r'near "(.*)": syntax error', text)
    if match:
        return _syntax(match.group(1).upper())
    match = re.match(r"no such column: (?:\w+\.)?(.*)", text)
    if match:
        return SqlError("ANR2940E The reference '%s' is an unknown SQL column name." % match.group(1).upper())
    match = re.match(r"no such table: (?:\w+\.)?(.*)", text)
    if match or refused:
        name = match.group(1) if match else refused[0]
        return SqlError("ANR2948E The SQL table '%s' is not defined." % str(name).upper())
    match = re.match(r"no such function: (.*)", text)
    if match:
        return SqlError("ANR2917E The SQL function '%s' is not supported." % match.group(1).upper())
    if "user-defined function raised exception" in text:
        return SqlError("ANR2916E The SQL data types are incompatible or a value is not valid.")
    return SqlError("ANR2904E Unexpected SQL key word token - '%s'." % text.upper())


def run_select(path, statement, now, jobs=True):
    """Run one SELECT on the server database at `path` at emulated time `now` -> Result.
    jobs: the server has jobs (V8.1.12+): the JOBS table and PROCESSES.JOB_ID/PARENT_PROCESS."""
    query = translate(statement, now)
    conn, refused = _connect(path, jobs)
    try:
        cursor = conn.execute(query)
        rows = cursor.fetchall()
    except (sqlite3.Error, sqlite3.Warning) as error:
        raise _error(error, refused) from None
    finally:
        conn.close()
    columns = []
    for index, desc in enumerate(cursor.description, start=1):
        name = desc[0]
        columns.append(name.upper() if _NAME.match(name) else "Unnamed[%d]" % index)
    numeric = [bool(rows) and all(isinstance(row[i], (int, float)) or row[i] is None for row in rows)
               and any(row[i] is not None for row in rows) for i in range(len(columns))]
    return Result(columns, rows, numeric)
