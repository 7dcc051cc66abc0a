# -*- coding: utf-8 -*-
# Copyright: (c) 2025, spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """The dsmadmc connection options every module of the collection takes."""

    DOCUMENTATION = r'''
options:
  server:
    description:
      - The server to talk to, as the name of a stanza (C(SErvername)) in the client system options
        file C(dsm.sys); passed to C(dsmadmc) as C(-se=).
      - When not set, C(dsmadmc) uses the server named in its client options file (C(dsm.opt)).
      - The client finds C(dsm.sys) and C(dsm.opt) through the E(DSM_DIR) and E(DSM_CONFIG)
        environment variables of the managed node, or through O(optfile).
    type: str
  admin_id:
    description:
      - The administrator ID, passed as C(-id=).
      - When not set, the environment variable E(SP_ADMIN_ID), then E(STORAGE_PROTECT_USERNAME), is used.
      - Needed with O(password). With O(credentials_file) it may be left out; when set it is passed too.
    type: str
    aliases: [username]
  password:
    description:
      - The administrator's password.
      - By default (O(password_transport=stdin)) it is written to the standard input of C(dsmadmc),
        which prompts for it, and never appears on its command line. It never appears in a result,
        a warning or an error message either way.
      - A client that reads the password only from a terminal fails to log on this way; the module
        then says so (error kind C(password_not_read)) and names the two remedies, O(credentials_file)
        or O(password_transport=argv).
      - When not set, the environment variable E(SP_ADMIN_PASSWORD), then E(STORAGE_PROTECT_PASSWORD), is used.
      - Mutually exclusive with O(credentials_file); one of the two is required.
    type: str
  credentials_file:
    description:
      - A credentials file holding the administrator ID and password, passed as C(-credentialsfile=)
        (administrative client 8.1.20 and later).
      - When not set, the environment variable E(SP_CREDENTIALS_FILE) is used.
      - Mutually exclusive with O(password); one of the two is required.
    type: path
  dsmadmc_path:
    description:
      - The administrative command-line client to run, as a full path or as a name looked up on the
        E(PATH) of the managed node.
      - When not set, the environment variable E(SP_DSMADMC) is used, else V(dsmadmc).
    type: str
    default: dsmadmc
  optfile:
    description:
      - A client options file to use instead of the default C(dsm.opt), passed as C(-optfile=).
    type: path
  password_transport:
    description:
      - How O(password) reaches C(dsmadmc).
      - V(stdin) writes it to the client's standard input, where the client's password prompt reads
        it. It never appears on a command line.
      - V(argv) passes C(-password=) on the client's command line, as IBM documents it. B(Other local
        users can read it in the process list) (C(ps)) while the client runs. Use it only for a client
        that will not read a password from a pipe, and prefer O(credentials_file).
      - The password is masked (C(********)) in every result, warning and error either way.
      - When not set, the environment variable E(SP_PASSWORD_TRANSPORT) is used.
    type: str
    choices: [stdin, argv]
    default: stdin
  timeout:
    description:
      - How many seconds one call of C(dsmadmc) may take, from 1 to 86400. A call that takes longer
        is stopped (its whole process group is killed) and reported as a timeout.
    type: int
    default: 300
  total_timeout:
    description:
      - How many seconds the whole module run may spend in C(dsmadmc) calls, from 1 to 345600.
        No call starts once it is spent, and a call running then is stopped; what could not be read
        is reported as a timeout.
      - Default four times O(timeout).
      - "With command routing a call that times out is sent again to each target on its own, all
        at once, and later calls go to each target on its own straight away; a target that timed out
        is not asked again. So a run takes at most O(total_timeout), plus a few seconds to end
        the clients."
    type: int
  single_session:
    description:
      - Send the read-only queries of one module run in one C(dsmadmc) session, so each server (or
        the hub, with O(route_to)) sees one sign-on, however many queries the module needs. The
        commands go to the client's standard input after the password, never into a file.
      - The whole session gets one O(timeout). When it runs out, the answers that were complete are
        kept; with O(route_to) the others are asked again, each target on its own, so only a
        hanging target ends as a timeout.
      - V(false) runs one C(dsmadmc) call per query, as the modules did before this option. Use it
        for a client that does not echo the commands it reads (the modules also switch to it by
        themselves, with a warning, when they see no echo).
      - The acting modules (M(spectrum_protect.operations.sp_session),
        M(spectrum_protect.operations.sp_process), M(spectrum_protect.operations.sp_job)) keep that
        one client signed on for the whole run, changes and the reads after them included, so a run
        that acts signs on once too (one-time passwords work). Each exchange ends with a read-only
        mark, C(SELECT 'SPOPS' || 'token' AS MARK FROM STATUS), which the activity log shows.
      - A client that writes no answer within 10 seconds while its input is still open (one that
        holds its output until it ends) is detected before any change is sent. Its reads still
        share one session; each change and each read after it then runs in a call of its own, with
        a warning.
      - When not set, the environment variable E(SP_SINGLE_SESSION) is used.
    type: bool
    default: true
notes:
  - The modules run C(dsmadmc) on the managed node (often C(localhost) or an execution environment)
    without a shell, with C(LC_ALL=C), C(-dataonly=yes) and C(-noconfirm).
  - "Command routing (C(server1,server2: command)) needs the same administrator ID and password on
    every target server."
requirements:
  - The IBM Storage Protect (Spectrum Protect) administrative command-line client C(dsmadmc) on the managed node.
'''
