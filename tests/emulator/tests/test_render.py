"""render.py: value formats and the table / list / comma / tab output modes."""
import pytest

from spemu import render
from spemu.render import Column, Table

# server-facts.md §2: the QUERY SESSION standard table of a real 8.1.21 server.
SESSION_CAPTURE = (
    " Sess      Comm.      Sess        Wait       Bytes       Bytes      Sess        Platform     Client Name\n"
    "Number     Method     State        Time        Sent       Recvd     Type\n"
    "------     ------     ------     ------     -------     -------     -------     --------     ------------------\n"
    "    16     SSL        Run          0 S          150         247     Admin       Linux        DEMO\n"
    "                                                                                 x86-64\n"
)


def session_table():
    columns = [Column("Sess Number", 6, True), Column("Comm. Method", 6), Column("Sess State", 6),
               Column("Wait Time", 6, True), Column("Bytes Sent", 7, True), Column("Bytes Recvd", 7, True),
               Column("Sess Type", 7), Column("Platform", 8), Column("Client Name", 18)]
    row = [render.number(16), "SSL", "Run", render.wait_time(0), render.scaled_bytes(150),
           render.scaled_bytes(247), "Admin", "Linux x86-64", "DEMO"]
    return Table(columns, [row])


def test_session_table_reproduces_the_capture_byte_for_byte():
    assert "\n".join(render.render([session_table()])) + "\n" == SESSION_CAPTURE


def test_dataonly_table_has_no_headings_and_no_dashes():
    lines = render.render([session_table()], dataonly=True)
    assert lines == SESSION_CAPTURE.splitlines()[3:]


@pytest.mark.parametrize("value, text", [(0, "0"), (16, "16"), (29057, "29,057"), (36775, "36,775"),
                                         (1234567, "1,234,567"), (None, "")])
def test_number_has_thousands_separators(value, text):
    assert render.number(value) == text


@pytest.mark.parametrize("seconds, text", [(0, "0 S "), (59, "59 S "), (60, "1 M "), (300, "5 M "),
                                           (90, "1.5 M "), (7200, "2 H "), (5400, "1.5 H "), (None, "0 S ")])
def test_wait_time_scales_seconds_minutes_hours(seconds, text):
    assert render.wait_time(seconds) == text


@pytest.mark.parametrize("value, text", [(0, "0"), (150, "150"), (1023, "1023"), (1024, "1.0 K"),
                                         (19251, "18.8 K"), (5 * 1024 ** 2, "5.0 M"),
                                         (2147483648, "2.0 G"), (3 * 1024 ** 4, "3.0 T")])
def test_bytes_are_scaled_above_one_kilobyte(value, text):
    assert render.scaled_bytes(value) == text


def test_dates_as_query_commands_print_them():
    stamp = "2023-02-03 10:52:07.000000"
    assert render.date_time(stamp) == "02/03/2023 10:52:07"
    assert render.short_date_time(stamp) == "02/03/23   10:52:07"
    assert render.date_time(None) == "" and render.short_date_time("") == ""


@pytest.mark.parametrize("value, text", [(None, ""), (12, "12"), (2.0, "2"), (2.5, "2.5"),
                                         ("2024-04-22 09:38:27.000000", "2024-04-22 09:38:27.000000")])
def test_sql_values_print_plain(value, text):
    assert render.sql_value(value) == text


def test_wrap_breaks_at_the_last_blank_that_fits_and_keeps_it():
    assert render.wrap("Linux x86-64", 8) == ["Linux", " x86-64"]
    assert render.wrap("ABCDEFGHIJ", 4) == ["ABCD", "EFGH", "IJ"]
    assert render.wrap("short", 8) == ["short"]
    assert render.heading_lines("Process Description", 20) == ["Process Description"]
    assert render.heading_lines("Sess Number", 6) == ["Sess", "Number"]


def test_list_mode_right_aligns_labels_and_separates_records():
    table = Table([Column("Sess Number"), Column("Media Access Status"), Column("User Name")],
                  [["77", "MediaW", ""], ["78", "", "BOB"]])
    assert render.render([table], "list") == [
        "        Sess Number: 77",
        "Media Access Status: MediaW",
        "          User Name:",
        "",
        "        Sess Number: 78",
        "Media Access Status:",
        "          User Name: BOB",
    ]
    assert render.render([table], "list", dataonly=True) == render.render([table], "list")


def test_comma_quotes_fields_with_commas_and_quotes():
    table = Table([Column("A"), Column("B"), Column("C")], [["2,096,671.99", 'say "hi"', "plain"]])
    assert render.render([table], "comma") == ['"2,096,671.99","say ""hi""",plain']


def test_tab_joins_fields_unquoted_without_headings():
    table = Table([Column("A"), Column("B")], [["36,775", "0 S "], ["1", "x"]])
    assert render.render([table], "tab") == ["36,775\t0 S ", "1\tx"]
    assert render.render([table], "tab", dataonly=True) == render.render([table], "tab")


def test_messages_pass_through_and_garble_touches_data_only():
    table = Table([Column("A", 0)], [["abcdef"]])
    lines = render.render(["ANR0000I x", table], "comma", garble=lambda line: line.upper())
    assert lines == ["ANR0000I x", "ABCDEF"]


def test_auto_width_table_and_switch_to_list_when_too_wide():
    narrow = Table([Column("SESSION_ID", 0, True), Column("STATE")], [["16", "Run"], ["1234", "IdleW"]])
    assert render.render([narrow]) == ["SESSION_ID     STATE", "----------     -----",
                                       "        16     Run", "      1234     IdleW"]
    wide = Table([Column("C%d" % i) for i in range(12)], [["x" * 6] * 12])
    assert render.choose_mode(wide, None) == "list"
    assert render.choose_mode(wide, "table") == "table"
    assert render.render([wide])[0] == " C0: xxxxxx"
