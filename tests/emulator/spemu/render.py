"""Output of the emulated dsmadmc: value formats and the four output modes.

A command answers with message lines (str) and :class:`Table` objects; :func:`render` turns
them into the lines the real client prints:

* table: fixed-width columns 5 blanks apart, headings word-wrapped over several lines and
  underlined with dashes, long values wrapped onto continuation lines in their column
  (server-facts.md §2 capture); with -dataonly=yes no headings and no dashes.
* list: ``Label: value`` lines, labels right-aligned to the longest, a blank line between
  records (server-facts.md §1); labels are kept with -dataonly=yes.
* comma / tab: one line per record, no headings [DECIDED]; -comma double-quotes a field that
  holds a comma (server-facts.md §1) or a double quote.

SPEMU_CONSOLE_WIDTH=N wraps every line longer than N: message lines at the last blank at or before
column N (the next line starts with that blank), or cut at column N; list values likewise,
continued on lines indented to the value's column; table lines keep their column wrapping and
comma/tab lines are never wrapped. SPEMU_LABELS=alt prints the other spellings of list labels
(a Table's `alt`).
"""
import csv
import dataclasses
import io

GAP = " " * 5          # between table columns (server-facts.md §2 capture)
SCREEN_WIDTH = 80      # [DECIDED] a SELECT wider than this is shown as a list
MODES = ("table", "list", "comma", "tab")


@dataclasses.dataclass
class Column:
    """One output field. width 0: as wide as its heading or widest value (SELECT)."""
    label: str
    width: int = 0
    right: bool = False     # right-aligned (numbers)


@dataclasses.dataclass
class Table:
    """Records of one answer. layout: the form the command shows without -displaymode."""
    columns: list
    rows: list              # lists of str, one per column
    layout: str = "table"
    alt: dict = None        # list labels as other clients spell them (SPEMU_LABELS=alt)


# ---------------------------------------------------------------- value formats

def number(value):
    """29057 -> '29,057' (QUERY output; server-facts.md §2). None -> ''."""
    return "" if value is None else "{:,}".format(int(value))


def _trim(amount):
    text = "%.1f" % amount
    return text[:-2] if text.endswith(".0") else text


def wait_time(seconds):
    """Wait Time: '0 S ', '5 M ', '2.5 H ' -- seconds below a minute, minutes below an hour
    [DECIDED scale and one decimal]; the trailing blank is in the real -tab capture."""
    seconds = int(seconds or 0)
    if seconds < 60:
        return "%d S " % seconds
    if seconds < 3600:
        return "%s M " % _trim(seconds / 60)
    return "%s H " % _trim(seconds / 3600)


def scaled_bytes(value):
    """Bytes Sent/Recvd: plain below 1 KiB, else one decimal and K/M/G/T ('18.8 K')
    [DECIDED: 1024 steps, threshold]."""
    value = int(value or 0)
    if value < 1024:
        return str(value)
    amount = float(value)
    for unit in "KMGTP":
        amount /= 1024
        if amount < 1024 or unit == "P":
            return "%.1f %s" % (amount, unit)
    raise AssertionError("unreachable")


def date_time(stamp):
    """Stored 'YYYY-MM-DD HH:MM:SS.ffffff' -> 'MM/DD/YYYY HH:MM:SS' (QUERY output). None -> ''."""
    if not stamp:
        return ""
    return "%s/%s/%s %s" % (stamp[5:7], stamp[8:10], stamp[0:4], stamp[11:19])


def short_date_time(stamp):
    """'MM/DD/YY   HH:MM:SS' as in QUERY SESSION F=D 'Date/Time First Data Sent' (§2)."""
    if not stamp:
        return ""
    return "%s/%s/%s   %s" % (stamp[5:7], stamp[8:10], stamp[2:4], stamp[11:19])


def sql_value(value):
    """A SELECT result value as the real server prints it: numbers plain, NULL empty,
    timestamps as stored (2024-04-22 09:38:27.000000). [DECIDED] whole floats print as
    integers, others in their shortest form."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bytes):
        return value.hex().upper()
    return str(value)


# ---------------------------------------------------------------- wrapping

def wrap(text, width):
    """Split a value into pieces of at most `width`: at the last blank that fits (the blank
    starts the next piece, as ' x86-64' in the §2 capture), else hard."""
    pieces = []
    while len(text) > width:
        cut = text.rfind(" ", 1, width + 1)
        if cut <= 0:
            cut = width
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def wrap_line(text, width):
    """A console line of at most `width` columns: broken at the last blank at or before column
    `width` (the next line starts with that blank), else cut at column `width` exactly."""
    if not width or len(text) <= width:
        return [text]
    pieces = []
    while len(text) > width:
        cut = text.rfind(" ", 1, width)
        if cut <= 0:
            cut = width
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def wrap_lines(lines, width):
    """wrap_line over message lines (ANR/ANS, banner, routing framing)."""
    if not width:
        return list(lines)
    return [piece for line in lines for piece in wrap_line(line, width)]


def heading_lines(label, width):
    """Words of a heading packed into lines of at most `width` (wider words stay whole)."""
    lines = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


# ---------------------------------------------------------------- modes

def _widths(table):
    widths = []
    for index, column in enumerate(table.columns):
        if column.width:
            widths.append(column.width)
        else:
            widths.append(max([len(column.label)] + [len(row[index]) for row in table.rows]))
    return widths


def table_width(table):
    widths = _widths(table)
    return sum(widths) + len(GAP) * (len(widths) - 1)


def _heading_cell(text, width, column, last):
    if not column.right:
        return text.ljust(width)
    if last:
        return text.rjust(width)
    left = (width - len(text)) // 2          # upper lines of a number heading are centred
    return (" " * left + text).ljust(width)


def _join(cells):
    return GAP.join(cells).rstrip()


def table_lines(table, dataonly=False):
    widths = _widths(table)
    lines = []
    if not dataonly:
        headings = [heading_lines(col.label, width) if col.width else [col.label]
                    for col, width in zip(table.columns, widths)]
        depth = max(len(h) for h in headings)
        for line in range(depth):
            cells = []
            for col, width, heading in zip(table.columns, widths, headings):
                text = heading[line] if line < len(heading) else ""
                cells.append(_heading_cell(text, width, col, line == len(heading) - 1))
            lines.append(_join(cells))
        lines.append(_join("-" * width for width in widths))
    for row in table.rows:
        pieces = [wrap(value, width) for value, width in zip(row, widths)]
        for line in range(max(len(p) for p in pieces)):
            cells = []
            for col, width, piece in zip(table.columns, widths, pieces):
                text = piece[line] if line < len(piece) else ""
                cells.append(text.rjust(width) if col.right else text.ljust(width))
            lines.append(_join(cells))
    return lines


def list_lines(table, console=None, alt=False):
    """`Label: value` lines; console: wrap values longer than the console width, continuing
    them on lines indented to the value's column; alt: the table's other label spellings."""
    labels = [(table.alt or {}).get(col.label, col.label) if alt else col.label for col in table.columns]
    width = max(len(label) for label in labels)
    lines = []
    for index, row in enumerate(table.rows):
        if index:
            lines.append("")
        for label, value in zip(labels, row):
            pieces = wrap_line(value, max(1, console - width - 2)) if console else [value]
            lines.append("%s: %s" % (label.rjust(width), pieces[0]))
            lines.extend(" " * (width + 2) + piece for piece in pieces[1:])
            lines[-1] = lines[-1].rstrip()
    return lines


def delimited_lines(table, delimiter):
    if delimiter == "\t":
        return ["\t".join(row) for row in table.rows]
    lines = []
    for row in table.rows:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(row)
        lines.append(buffer.getvalue())
    return lines


def choose_mode(table, mode):
    """Effective mode: -comma/-tab win, then -displaymode, then the command's own layout;
    a SELECT (auto-width columns) wider than the screen is shown as a list [DECIDED]."""
    if mode:
        return mode
    if table.layout == "table" and not any(col.width for col in table.columns) \
            and table_width(table) > SCREEN_WIDTH:
        return "list"
    return table.layout


def render_table(table, mode=None, dataonly=False, console=None, alt=False):
    mode = choose_mode(table, mode)
    if mode == "table":
        return table_lines(table, dataonly)
    if mode == "list":
        return list_lines(table, console, alt)
    return delimited_lines(table, "," if mode == "comma" else "\t")


def render(items, mode=None, dataonly=False, garble=None, console=None, alt=False):
    """Message lines and tables -> output lines. garble: a function applied to data lines;
    console: the console width (SPEMU_CONSOLE_WIDTH); alt: SPEMU_LABELS=alt."""
    lines = []
    for item in items:
        if isinstance(item, Table):
            data = render_table(item, mode, dataonly, console, alt)
            lines.extend([garble(line) for line in data] if garble else data)
        else:
            lines.extend(wrap_line(item, console))
    return lines
