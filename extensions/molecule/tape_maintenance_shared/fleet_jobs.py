"""Print every job of an emulated fleet as JSON, {"SERVER job ID": "STATUS"}.

The molecule scenarios' own eyes: it asks each server's emulated dsmadmc directly (password on
standard input), never through the modules under test. Usage: fleet_jobs.py FLEET_HOME [SERVER...]
"""
import json
import os
import subprocess
import sys


def main(argv):
    home = argv[1]
    servers = argv[2:] or ["HUB1", "SPOKE1", "SPOKE2"]
    env = dict(os.environ, SPEMU_HOME=home, DSM_DIR=home, DSM_CONFIG=os.path.join(home, "dsm.opt"))
    jobs = {}
    for server in servers:
        proc = subprocess.run([os.path.join(home, "bin", "dsmadmc"), "-id=ADMIN", "-se=" + server,
                               "-dataonly=yes", "-comma", "SELECT JOB_ID, STATUS FROM JOBS"],
                              input="passw0rd\n", capture_output=True, text=True, timeout=120, check=False, env=env)
        if proc.returncode not in (0, 11):
            sys.stderr.write("%s: rc %d\n%s" % (server, proc.returncode, proc.stdout))
            return 1
        for line in proc.stdout.splitlines():
            job_id, dummy, status = line.partition(",")
            if job_id.strip().isdigit():
                jobs["%s job %s" % (server, job_id.strip())] = status.strip()
    json.dump(jobs, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
