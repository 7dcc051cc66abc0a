"""A crash halfway through `begin`: run the begin playbook and kill it (SIGKILL, its whole
process group, so no handler, `always` or `rescue` runs) as soon as the ledger records COUNT jobs
as interrupted. Prints the ledger as the crash left it, as JSON.

Usage: crash_begin.py ANSIBLE_PLAYBOOK LEDGER EXTRA_VARS_JSON COUNT
"""
import json
import os
import signal
import subprocess
import sys
import time


def interrupted(ledger_path):
    try:
        with open(ledger_path) as handle:
            ledger = json.load(handle)
    except (IOError, OSError, ValueError):
        return None, 0
    return ledger, len([e for e in ledger.get("entries", []) if e.get("status") == "interrupted"])


def main(argv):
    playbook_cmd, ledger_path, extra, count = argv[1], argv[2], argv[3], int(argv[4])
    proc = subprocess.Popen([playbook_cmd, "-i", "localhost,", "-c", "local", "-e", extra,
                             "spectrum_protect.operations.tape_maintenance_begin"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        dummy, done = interrupted(ledger_path)
        if done >= count:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            ledger, dummy = interrupted(ledger_path)
            json.dump({"killed": True, "ledger": ledger}, sys.stdout)
            return 0
        if proc.poll() is not None:
            sys.stderr.write("begin ended (rc %s) before %d jobs were recorded\n" % (proc.returncode, count))
            return 1
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    sys.stderr.write("begin did not record %d jobs in 300 s\n" % count)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
