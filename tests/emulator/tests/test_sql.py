"""sql.py: the DB2 dialect of real scripts, translated for SQLite, over the public tables only."""
import datetime

import pytest

from spemu import sql, store

NOW = datetime.datetime(2024, 4, 22, 9, 38, 27)
STAMP = "'2024-04-22 09:38:27.000000'"
ADMINS = [{"name": "ADMIN", "password": "passw0rd", "privileges": ["SYSTEM"]}]


# ---------------------------------------------------------------- translation

@pytest.mark.parametrize("statement, expected", [
    ("SELECT * FROM SESSIONS FOR READ ONLY", "SELECT * FROM SESSIONS"),
    ("select * from sessions with ur", "select * from sessions"),
    ("SELECT * FROM SESSIONS FOR FETCH ONLY WITH UR;", "SELECT * FROM SESSIONS"),
    ("SELECT * FROM ACTLOG ORDER BY DATE_TIME DESC FETCH FIRST 5 ROWS ONLY",
     "SELECT * FROM ACTLOG ORDER BY DATE_TIME DESC LIMIT 5"),
    ("SELECT * FROM ACTLOG FETCH FIRST ROW ONLY", "SELECT * FROM ACTLOG LIMIT 1"),
    ("SELECT * FROM STATUS OPTIMIZE FOR 1 ROW", "SELECT * FROM STATUS"),
    ("SELECT CURRENT_TIMESTAMP, CURRENT TIMESTAMP FROM STATUS",
     "SELECT %s , %s FROM STATUS" % (STAMP, STAMP)),
    ("SELECT CURRENT DATE, CURRENT_TIME FROM STATUS", "SELECT '2024-04-22' , '09:38:27' FROM STATUS"),
    ("SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S",
     "SELECT S . * , %s AS SERVER_TIME FROM SESSIONS S" % STAMP),
])
def test_translate_clauses_and_special_registers(statement, expected):
    assert sql.translate(statement, NOW) == expected


@pytest.mark.parametrize("statement, fragment", [
    ("SELECT * FROM SUMMARY WHERE END_TIME >= CURRENT_TIMESTAMP - 86400 SECONDS",
     "END_TIME >= DB2_ADD(%s, - 86400, 'SECOND')" % STAMP),
    ("SELECT * FROM SUMMARY WHERE END_TIME > current_timestamp - 24 hours - 30 minutes",
     "END_TIME > DB2_ADD(DB2_ADD(%s, - 24, 'HOUR'), - 30, 'MINUTE')" % STAMP),
    ("SELECT START_TIME + 1 DAY FROM SESSIONS", "SELECT DB2_ADD(START_TIME, 1, 'DAY') FROM"),
    ("SELECT TIMESTAMPDIFF(2, CHAR(CURRENT_TIMESTAMP - START_TIME)) FROM SESSIONS",
     "TIMESTAMPDIFF (2 , CHAR (DB2_MINUS(%s, START_TIME)))" % STAMP),
    ("SELECT CAST((CURRENT_TIMESTAMP - START_TIME) SECONDS AS DECIMAL(18,0)) FROM SESSIONS",
     "DECIMAL(DB2_UNITS((DB2_MINUS(%s, START_TIME)), 'SECOND'), 18, 0)" % STAMP),
    ("SELECT A - B * C - D FROM T", "DB2_MINUS(DB2_MINUS(A, B * C), D)"),
    ("SELECT X - -2 FROM T WHERE Y = -1", "DB2_MINUS(X, - 2) FROM T WHERE Y = - 1"),
    ("SELECT CAST(END_TIME AS TIMESTAMP), CAST(X AS INTEGER) FROM T", "TIMESTAMP(END_TIME) , CAST (X AS INTEGER)"),
    ("SELECT DAYS(CURRENT DATE) - DAYS(END_TIME) FROM T", "DB2_MINUS(DAYS ('2024-04-22'), DAYS (END_TIME))"),
    ("SELECT 'a - 1 day, CURRENT_TIMESTAMP' FROM T", "SELECT 'a - 1 day, CURRENT_TIMESTAMP' FROM T"),
])
def test_translate_timestamp_arithmetic(statement, fragment):
    assert fragment in sql.translate(statement, NOW)


@pytest.mark.parametrize("statement, message", [
    ("DELETE FROM SESSIONS", "ANR2904E Unexpected SQL key word token - 'DELETE'."),
    ("SELECT * FROM SESSIONS; DELETE FROM SESSIONS", "ANR2904E Unexpected SQL key word token - ';'."),
    ("SELECT (1 FROM T", "ANR2904E Unexpected SQL key word token - '('."),
    ("SELECT 1) FROM T", "ANR2904E Unexpected SQL key word token - ')'."),
])
def test_translate_rejects(statement, message):
    with pytest.raises(sql.SqlError) as error:
        sql.translate(statement, NOW)
    assert str(error.value) == message


# ---------------------------------------------------------------- DB2 functions

def test_timestamp_subtraction_gives_db2_durations_with_borrows():
    assert sql.db2_minus("2024-04-22 09:38:27.000000", "2024-04-22 09:36:23.000000") == 204
    assert sql.db2_minus("2024-03-01 00:00:00.000000", "2024-02-28 23:59:59.500000") == 1000000.5
    assert sql.db2_minus("2024-02-28 00:00:00", "2024-03-01 00:00:00") == -2000000
    assert sql.db2_minus("2024-04-22", "2023-01-31") == 10222
    assert sql.db2_minus("10:00:00", "09:59:30") == 30
    assert sql.db2_minus(7, 2.5) == 4.5
    assert sql.db2_minus(None, 1) is None
    with pytest.raises(ValueError):
        sql.db2_minus("2024-04-22 09:38:27", 5)


def test_timestampdiff_estimates_like_db2():
    duration = sql.db2_minus("2024-04-22 09:38:27", "2024-04-21 08:37:26.5")
    assert sql.timestampdiff(2, sql.char(duration)) == 86400 + 3600 + 60
    assert sql.timestampdiff(4, duration) == 1501
    assert sql.timestampdiff(8, duration) == 25
    assert sql.timestampdiff(16, duration) == 1
    year = sql.db2_minus("2024-04-22", "2023-02-22")
    assert sql.timestampdiff(64, year * 1000000) == 14 and sql.timestampdiff(256, year * 1000000) == 1
    assert sql.db2_units(sql.db2_minus("2024-04-22 10:00:00", "2024-04-22 09:00:00"), "MINUTE") == 60
    assert sql.timestampdiff(2, sql.db2_minus("2024-04-22 09:00:00", "2024-04-22 10:00:00")) == -3600


def test_labeled_durations():
    assert sql.db2_add("2024-04-22 09:38:27.000000", -86400, "SECOND") == "2024-04-21 09:38:27.000000"
    assert sql.db2_add("2024-01-31 00:00:00", 1, "MONTH") == "2024-02-29 00:00:00.000000"
    assert sql.db2_add("2024-02-29", 1, "YEAR") == "2025-02-28"
    assert sql.db2_add("23:30:00", 45, "MINUTE") == "00:15:00"
    assert sql.db2_add(None, 1, "DAY") is None


def test_scalar_functions():
    stamp = "2024-04-22 09:38:27.123456"
    assert sql.days("0001-01-01") == 1 and sql.days(stamp) - sql.days("2024-04-21 23:00:00") == 1
    assert sql.date(stamp) == "2024-04-22" and sql.date(1) == "0001-01-01"
    assert sql.time(stamp) == "09:38:27"
    assert sql.timestamp("2024-04-22-09.38.27.000000") == "2024-04-22 09:38:27.000000"
    assert sql.timestamp("2024-04-22", "09:38:27") == "2024-04-22 09:38:27.000000"
    assert [sql.FUNCTIONS[f][0](stamp) for f in ("YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND")] \
        == [2024, 4, 22, 9, 38, 27]
    assert sql.FUNCTIONS["HOUR"][0](sql.db2_minus("2024-04-22 12:00:00", "2024-04-22 09:30:00")) == 2
    assert sql.decimal_(3.789, 5, 2) == 3.78 and sql.decimal_("12.9") == 12 and sql.integer(-3.7) == -3
    assert sql.char(2.0) == "2" and sql.value_(None, "", "x") == ""
    assert sql.dayofweek("2024-04-21") == 1 and sql.posstr("ANR2017I", "2017") == 4


# ---------------------------------------------------------------- running on a server

@pytest.fixture
def server_db(make_home):
    home = make_home({
        "name": "SRV1", "version": "8.1.21", "role": "hub", "admins": ADMINS,
        "sessions": [{"id": 10, "client": "NODEA", "state": "IdleW", "since": "-5m", "for": "1h"},
                     {"id": 11, "client": "NODEB", "state": "Run", "for": "1h", "started": "-2h"}],
        "completed": [{"kind": "session", "number": 5, "client": "NODEA", "started": "-30h", "ended": "-29h",
                       "outcome": "successful"},
                      {"kind": "process", "number": 7, "description": "EXPIRATION", "started": "-3h",
                       "ended": "-2h", "outcome": "warning"}],
    }, {"name": "OLD", "version": "8.1.10", "admins": ADMINS,
        "processes": [{"id": 3, "description": "Migration", "status": "Moving"}]})
    return home


def select(home, statement, name="SRV1"):
    jobs = name != "OLD"
    return sql.run_select(store.server_db_path(home.path, name), statement, home.now(), jobs)


def test_module_queries_run(server_db):
    result = select(server_db, "SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S")
    assert result.columns == store.public_columns("SESSIONS") + ["SERVER_TIME"]
    assert [row[0] for row in result.rows] == [10, 11]
    assert result.rows[0][-1] == store.fmt_ts(server_db.now())
    result = select(server_db, "SELECT * FROM SUMMARY_EXTENDED WHERE END_TIME >= CURRENT_TIMESTAMP - 86400 SECONDS")
    assert [row[result.columns.index("NUMBER")] for row in result.rows] == [7]
    assert result.columns == store.public_columns("SUMMARY_EXTENDED")
    result = select(server_db, "SELECT DATE_TIME, MSGNO, SEVERITY, MESSAGE, ORIGINATOR, SESSION, PROCESS "
                               "FROM ACTLOG WHERE DATE_TIME >= CURRENT_TIMESTAMP - 10800 SECONDS "
                               "AND SEVERITY IN ('W','E','S')")
    assert [row[1:3] for row in result.rows] == [(991, "W")]


def test_elapsed_seconds_and_unnamed_columns(server_db):
    result = select(server_db, "SELECT SESSION_ID, TIMESTAMPDIFF(2, CHAR(CURRENT_TIMESTAMP - START_TIME)), "
                               "CAST((CURRENT_TIMESTAMP - START_TIME) SECONDS AS DECIMAL(18,0)) AS SECS "
                               "FROM SESSIONS WHERE SESSION_ID = 11")
    assert result.columns == ["SESSION_ID", "Unnamed[2]", "SECS"]
    assert result.rows == [(11, 7200, 7200)]
    assert result.numeric == [True, True, True]


def test_private_columns_and_tables_are_invisible(server_db):
    for statement in ("SELECT * FROM ADMINS", "SELECT * FROM main.ADMINS", "SELECT * FROM SERVER_INFO",
                      "SELECT * FROM EMU_COUNTERS", "SELECT * FROM sqlite_master",
                      "WITH SESSIONS AS (SELECT * FROM main.ADMINS) SELECT * FROM SESSIONS"):
        with pytest.raises(sql.SqlError, match=r"^ANR2948E The SQL table '\w+' is not defined\.$"):
            select(server_db, statement)
    with pytest.raises(sql.SqlError) as error:
        select(server_db, "SELECT EMU_LIVE FROM SESSIONS")
    assert str(error.value) == "ANR2940E The reference 'EMU_LIVE' is an unknown SQL column name."
    result = select(server_db, "SELECT TABNAME, COUNT(*) FROM COLUMNS GROUP BY TABNAME")
    assert [row[0] for row in result.rows] == sorted(sql.TABLES)


def test_jobs_and_job_columns_only_from_8_1_12(server_db):
    assert select(server_db, "SELECT * FROM PROCESSES").columns[-2:] == ["JOB_ID", "PARENT_PROCESS"]
    result = select(server_db, "SELECT * FROM PROCESSES", name="OLD")
    assert result.columns == ["PROCESS_NUM", "PROCESS", "START_TIME", "FILES_PROCESSED", "BYTES_PROCESSED",
                              "BYTES_TO_PROCESS", "STATUS"]
    with pytest.raises(sql.SqlError, match="ANR2948E The SQL table 'JOBS' is not defined."):
        select(server_db, "SELECT * FROM JOBS", name="OLD")
    result = select(server_db, "SELECT COLNAME FROM COLUMNS WHERE TABNAME='PROCESSES'", name="OLD")
    assert "JOB_ID" not in [row[0] for row in result.rows]
    assert select(server_db, "SELECT COUNT(*) FROM JOBS").rows == [(0,)]


@pytest.mark.parametrize("statement, message", [
    ("SELECT NOSUCH FROM SESSIONS", "ANR2940E The reference 'NOSUCH' is an unknown SQL column name."),
    ("SELECT * FROM NOSUCH", "ANR2948E The SQL table 'NOSUCH' is not defined."),
    ("SELECT FROM SESSIONS", "ANR2904E Unexpected SQL key word token - 'FROM'."),
    ("SELECT NOFUNC(1) FROM STATUS", "ANR2917E The SQL function 'NOFUNC' is not supported."),
    ("SELECT DAYS('garbage') FROM STATUS", "ANR2916E The SQL data types are incompatible or a value is not valid."),
])
def test_errors_are_anr_messages(server_db, statement, message):
    with pytest.raises(sql.SqlError) as error:
        select(server_db, statement)
    assert str(error.value) == message


def test_like_is_case_sensitive_as_in_db2(server_db):
    assert select(server_db, "SELECT CLIENT_NAME FROM SESSIONS WHERE CLIENT_NAME LIKE 'NODE%'").rows \
        == [("NODEA",), ("NODEB",)]
    assert select(server_db, "SELECT CLIENT_NAME FROM SESSIONS WHERE CLIENT_NAME LIKE 'node%'").rows == []


def test_select_never_writes(server_db):
    before = server_db.rows("SELECT COUNT(*) AS N FROM SESSIONS")
    with pytest.raises(sql.SqlError):
        select(server_db, "SELECT 1 FROM STATUS; DROP TABLE SESSIONS")
    assert server_db.rows("SELECT COUNT(*) AS N FROM SESSIONS") == before
