"""Date, time and number formats of QUERY output (DATEFORMAT, TIMEFORMAT, NUMBERFORMAT).

Real servers print the dates, times and numbers of QUERY output (and the message texts the client
shows) by their date, time and number formats: on Windows servers the DATEFORMAT, TIMEFORMAT and
NUMBERFORMAT server options (docs 8.1.10 r_opt_server_dntlang), elsewhere the locale. SELECT output
is never formatted (ISO timestamps, plain numbers) [DECIDED].

A server's formats come from the fleet file (`formats: {date:, time:, number:}`, stored in its
EMU_SETTINGS), else from the environment of dsmadmc (SPEMU_DATEFORMAT, SPEMU_TIMEFORMAT,
SPEMU_NUMBERFORMAT), each part on its own [DECIDED]; with none of them set every value keeps the
emulator's historical form byte for byte (`MM/DD/YYYY HH:MM:SS`, `MM/DD/YY   HH:MM:SS` in QUERY
SESSION F=D, `1,000.0`).
"""
import dataclasses
import re

from . import store

DATE_CODES = {"1": "MM/DD/YYYY", "2": "DD-MM-YYYY", "3": "YYYY-MM-DD", "4": "DD.MM.YYYY", "5": "YYYY.MM.DD"}
TIME_CODES = {"1": "HH:MM:SS", "2": "HH,MM,SS", "3": "HH.MM.SS", "4": "hh:mm:ss A/P"}
# NUMBERFORMAT n: (thousands separator, decimal separator)
NUMBER_CODES = {"1": (",", "."), "2": (",", ","), "3": (" ", ","), "4": (" ", "."), "5": (".", ","),
                "6": ("'", ",")}
ENV = {"date": "SPEMU_DATEFORMAT", "time": "SPEMU_TIMEFORMAT", "number": "SPEMU_NUMBERFORMAT"}
SETTING = {"date": "dateformat", "time": "timeformat", "number": "numberformat"}
DATE_TIME_GAP = "   "        # the client's blanks between a formatted date and time (`02/03/23   10:52:07`)

_DATE_TOKENS = re.compile(r"YYYY|YY|MM|DD|[^A-Z0-9]+")
_TIME = re.compile(r"(HH)([:.,])MM\2SS(?:\s*(A/P|AM/PM))?")
_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?!,?\d)")
_TEXT_TIME = re.compile(r"(?<= at )\d{2}:\d{2}:\d{2}\b")     # ANR0984I/ANR0985I '... at 19:58:54.'


def parse_date(value):
    """1-5 or a pattern of DD, MM, YY/YYYY and separators ('DD.MM.YY') -> the pattern."""
    text = str(value).strip()
    text = DATE_CODES.get(text, text).upper()
    tokens = _DATE_TOKENS.findall(text)
    fields = [token for token in tokens if token[0] in "YMD"]
    if "".join(tokens) != text or sorted(field[0] for field in fields) != ["D", "M", "Y"]:
        raise ValueError("date format %r: use 1-5 or a pattern such as DD.MM.YY" % value)
    return text


def parse_time(value):
    """1-4 or 'HH:MM:SS', 'HH,MM,SS', 'HH.MM.SS', 'hh:mm:ss A/P' -> the pattern."""
    text = str(value).strip()
    text = TIME_CODES.get(text, text)
    match = _TIME.fullmatch(text.upper())
    if not match:
        raise ValueError("time format %r: use 1-4 or HH:MM:SS, HH,MM,SS, HH.MM.SS, hh:mm:ss A/P" % value)
    return text


def parse_number(value):
    text = str(value).strip()
    if text not in NUMBER_CODES:
        raise ValueError("number format %r: use 1-6" % value)
    return text


PARSERS = {"date": parse_date, "time": parse_time, "number": parse_number}


@dataclasses.dataclass(frozen=True)
class Formats:
    """The formats one server prints QUERY output with; None: the emulator's default form."""
    dateformat: str = None
    timeformat: str = None
    numberformat: str = None

    @property
    def plain(self):
        return self.dateformat is None and self.timeformat is None

    # -- dates and times (stored 'YYYY-MM-DD HH:MM:SS.ffffff')

    def _date(self, stamp, pattern):
        values = {"YYYY": stamp[0:4], "YY": stamp[2:4], "MM": stamp[5:7], "DD": stamp[8:10]}
        return "".join(values.get(token, token) for token in _DATE_TOKENS.findall(pattern))

    def _time(self, hms):
        if self.timeformat is None:
            return hms
        match = _TIME.fullmatch(self.timeformat.upper())
        hour, minute, second = hms[0:2], hms[3:5], hms[6:8]
        if match.group(3):
            number = int(hour)
            suffix = "AM" if number < 12 else "PM"
            text = match.group(2).join(("%02d" % (number % 12 or 12), minute, second))
            return text + " " + suffix
        return match.group(2).join((hour, minute, second))

    def date_time(self, stamp):
        """QUERY JOB / ACTLOG / STATUS dates: 'MM/DD/YYYY HH:MM:SS' by default."""
        if not stamp:
            return ""
        if self.plain:
            return "%s/%s/%s %s" % (stamp[5:7], stamp[8:10], stamp[0:4], stamp[11:19])
        return self._date(stamp, self.dateformat or "MM/DD/YYYY") + DATE_TIME_GAP + self._time(stamp[11:19])

    def short_date_time(self, stamp):
        """QUERY SESSION F=D 'Date/Time First Data Sent': 'MM/DD/YY   HH:MM:SS' by default."""
        if not stamp:
            return ""
        return self._date(stamp, self.dateformat or "MM/DD/YY") + DATE_TIME_GAP + self._time(stamp[11:19])

    # -- numbers

    @property
    def separators(self):
        return NUMBER_CODES[self.numberformat or "1"]

    def number(self, value):
        """29057 -> '29,057' (or '29.057', '29 057', "29'057"). None -> ''."""
        if value is None:
            return ""
        return "{:,}".format(int(value)).replace(",", self.separators[0])

    def decimal(self, text):
        """A scaled value ('18.8 K', '2.5 H ') with the format's decimal separator."""
        return text.replace(".", self.separators[1])

    def text(self, text):
        """Numbers grouped with commas in a status or message text ('4,149,250,332') with the
        format's thousands separator."""
        if self.numberformat not in (None, "1", "2"):
            text = _GROUPED.sub(lambda m: m.group(0).replace(",", self.separators[0]), text)
        return text

    def message(self, text):
        """A message text as this server prints it in QUERY output (QUERY ACTLOG): grouped
        numbers, and the time of '... at HH:MM:SS' (ANR0984I, ANR0985I)."""
        text = self.text(text)
        if self.timeformat is not None:
            text = _TEXT_TIME.sub(lambda m: self._time(m.group(0)), text)
        return text


DEFAULT = Formats()


def from_settings(values):
    """{'date':, 'time':, 'number':} (fleet file, environment) -> Formats; ValueError if bad."""
    unknown = set(values) - set(PARSERS)
    if unknown:
        raise ValueError("unknown format %s (date, time, number)" % ", ".join(sorted(unknown)))
    return Formats(**{key + "format": PARSERS[key](value) for key, value in values.items() if value not in (None, "")})


def from_env(env):
    """The SPEMU_DATEFORMAT / SPEMU_TIMEFORMAT / SPEMU_NUMBERFORMAT of an environment."""
    return from_settings({key: env.get(name) for key, name in ENV.items() if env.get(name)})


def for_server(conn, fallback=DEFAULT):
    """A server's formats: its own (fleet file), part by part, else the fallback (environment)."""
    own = {key: store.setting(conn, name) for key, name in SETTING.items()}
    return Formats(**{key + "format": own[key] if own[key] is not None else getattr(fallback, key + "format")
                      for key in PARSERS})


def store_settings(conn, values):
    """Keep a fleet file's `formats:` in the server's EMU_SETTINGS."""
    for key, value in dataclasses.asdict(from_settings(values or {})).items():
        if value is not None:
            store.set_setting(conn, key, value)
