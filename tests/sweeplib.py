# SPDX-License-Identifier: MPL-2.0
"""sweeplib.py: what tests/crash-sweep.sh and tests/fault-sweep.sh judge a profile by.

A profile's state is the bytes of its regular files (backups and the lock file
left out); its store is what certutil lists from a scratch copy (so NSS cannot
rewrite the profile while looking), optionally with the count of cert9.db
objects per PKCS#11 class (a trust object left behind does not show in a listing).
"""
import os
import shutil
import sqlite3
import subprocess

NSS = ("cert9.db", "key4.db")
SKIP_DIRS = ("mozcert-backups",)
SKIP_FILES = (".parentlock", ".mozcert-lock")


def say(line):
    print(line, flush=True)


def is_temp(name):
    """a file mozcert leaves only while it runs: a journal or a .NAME.mozcert-XXXXXX temporary"""
    base = os.path.basename(name)
    return base == ".mozcert-journal" or (base.startswith(".") and ".mozcert-" in base)


def snapshot(d):
    """name -> bytes of every regular file of the profile (backups and the lock file left out)"""
    out = {}
    for root, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if not (root == d and x in SKIP_DIRS)]
        for f in files:
            p = os.path.join(root, f)
            rel = os.path.relpath(p, d)
            if rel in SKIP_FILES or not os.path.isfile(p) or os.path.islink(p):
                continue
            with open(p, "rb") as fh:
                out[rel] = fh.read()
    return out


def object_classes(d):
    """sorted (class as hex, count) pairs of the objects in d/cert9.db; empty when there is none"""
    c9 = os.path.join(d, "cert9.db")
    classes = {}
    if os.path.exists(c9):
        try:
            con = sqlite3.connect("file:%s?immutable=1" % c9, uri=True)
            for cls, k in con.execute("select hex(a0), count(*) from nssPublic group by a0"):
                classes[cls] = k
            con.close()
        except sqlite3.Error as e:
            classes = {"unreadable": str(e)}
    return sorted(classes.items())


def listing(d, scratch, env=None):
    """(certutil -L exit status, sorted 'nickname<TAB>trust' lines), run on a scratch copy of profile d"""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(d, scratch, ignore=shutil.ignore_patterns(*SKIP_DIRS), symlinks=True)
    r = subprocess.run(["certutil", "-L", "-d", "sql:" + scratch], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env)
    shutil.rmtree(scratch, ignore_errors=True)
    lines = []
    for line in r.stdout.decode(errors="replace").splitlines()[4:]:
        if not line.strip() or "needs user init" in line:
            continue
        parts = line.rstrip().rsplit(None, 1)
        if len(parts) == 2 and parts[1].count(",") == 2:
            lines.append(parts[0].rstrip() + "\t" + parts[1])
    return r.returncode, sorted(lines)


def copy_profile(src, dst):
    """a writable private (0700) copy of a profile; symbolic links stay links"""
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, symlinks=True)
    for root, dirs, files in os.walk(dst):
        for x in dirs + files:
            os.chmod(os.path.join(root, x), os.stat(os.path.join(root, x)).st_mode | 0o200)
    os.chmod(dst, 0o700)
