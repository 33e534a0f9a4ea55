#!/usr/bin/env python3
"""Packaging checks: the Dockerfile, debian/control, the installed layout
(issue 16).

There is no container daemon where the tests run, so the image is not
built here; this checks what can be checked without one:

- the Dockerfile has a builder and a runtime stage, both on debian:12-slim;
  the runtime stage installs only the .deb the builder made (no -dev
  package, no compiler), runs as a non-root user, in WORKDIR /scan, with
  ENTRYPOINT ["breachscope"];
- the builder installs the Build-Depends of debian/control, and those are
  packages scripts/setup installs too (one list of build dependencies);
- every package the Dockerfile names exists in Debian 12 (apt-cache show);
- installed as the package lays it out (bin/ and share/breachscope/patterns
  under any root), the binary uses the patterns next to it, not the source
  tree it was built from;
- the libraries the built binary links to (readelf NEEDED, ldd, dpkg -S)
  come from runtime packages that exist in Debian 12 and that the
  Build-Depends bring in (so the builder stage can link them, and the .deb's
  Depends, computed from the same libraries, installs them in the runtime
  stage).

Usage: check_packaging.py BINARY SOURCE_ROOT. Exit 0 ok, 1 failed, 77 skipped
(no apt-cache or dpkg: not a Debian system).
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def instructions(path):
    """The Dockerfile's instructions as (KEYWORD, argument) pairs."""
    out, cur = [], ""
    for line in open(path, encoding="utf-8"):
        s = line.rstrip("\n")
        if not cur and (not s.strip() or s.lstrip().startswith("#")):
            continue
        if s.lstrip().startswith("#"):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        cur += s
        kw, _, arg = cur.strip().partition(" ")
        out.append((kw.upper(), arg.strip()))
        cur = ""
    return out


def stages(ins):
    st = []
    for kw, arg in ins:
        if kw == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?$", arg, re.I)
            st.append({"image": m.group(1), "name": (m.group(2) or "").lower(),
                       "ins": []})
        elif st:
            st[-1]["ins"].append((kw, arg))
    return st


def apt_installs(run):
    """Package arguments of every 'apt-get install' in a RUN line."""
    pkgs = []
    for cmd in re.split(r"&&|;", run):
        w = shlex.split(cmd)
        if len(w) >= 2 and w[0] in ("apt-get", "apt") and "install" in w:
            pkgs += [a for a in w[w.index("install") + 1:] if not a.startswith("-")]
    return pkgs


def setup_packages(root):
    text = open(os.path.join(root, "scripts", "setup"), encoding="utf-8").read()
    pkgs = set()
    for body in re.findall(r"pkgs\+?=\(([^)]*)\)", text):
        pkgs.update(body.split())
    return pkgs


def build_depends(root, profile_nocheck):
    """Build-Depends of debian/control for this architecture."""
    text = open(os.path.join(root, "debian", "control"), encoding="utf-8").read()
    m = re.search(r"^Build-Depends:(.*?)(?=^\S)", text, re.S | re.M)
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                          text=True).stdout.strip()
    out = []
    for dep in m.group(1).split(","):
        dep = dep.strip()
        if not dep:
            continue
        name = dep.split()[0]
        archs = re.search(r"\[([^\]]*)\]", dep)
        if archs:
            a = archs.group(1).split()
            if a[0].startswith("!"):
                if "!" + arch in a:
                    continue
            elif arch not in a:
                continue
        if profile_nocheck and "<!nocheck>" in dep:
            continue
        out.append(name)
    return out


def apt_existing(pkgs):
    """Those of pkgs the archive knows (one apt-cache call)."""
    if not pkgs:
        return set()
    r = subprocess.run(["apt-cache", "show", "--no-all-versions"] + sorted(pkgs),
                       capture_output=True, text=True)
    return set(re.findall(r"^Package: (\S+)", r.stdout, re.M))


def apt_depends(pkgs):
    """Union of the Depends and Pre-Depends of pkgs (one apt-cache call)."""
    if not pkgs:
        return set()
    r = subprocess.run(["apt-cache", "depends", "--no-recommends", "--no-suggests",
                        "--no-conflicts", "--no-breaks", "--no-replaces",
                        "--no-enhances"] + sorted(pkgs), capture_output=True, text=True)
    return {m.group(1).split(":")[0]
            for m in re.finditer(r"^\s+\|?(?:Pre)?Depends: <?([^>\s]+)>?", r.stdout, re.M)}


def linked_packages(binary):
    """Package of every library the binary links to directly."""
    needed = re.findall(r"\(NEEDED\).*\[(.*)\]",
                        subprocess.run(["readelf", "-d", binary], capture_output=True,
                                       text=True).stdout)
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    where = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M))
    cands = {}
    for so in needed:
        path = where.get(so, "")
        c = [path, os.path.realpath(path)]
        c += [p[4:] for p in c if p.startswith("/usr/")]
        c += ["/usr" + p for p in c if not p.startswith("/usr/")]
        cands[so] = [p for p in c if p]
    every = sorted({p for c in cands.values() for p in c})
    r = subprocess.run(["dpkg", "-S"] + every, capture_output=True, text=True)
    owner = {}
    for line in r.stdout.splitlines():
        pkg, _, path = line.partition(": ")
        if "," not in pkg:
            owner[path.strip()] = pkg.split(":")[0]
    return {so: next((owner[p] for p in c if p in owner), "")
            for so, c in cands.items()}


def installed_layout(binary, root):
    """The binary copied to ROOT/usr/bin with the catalogue in
    ROOT/usr/share/breachscope/patterns reads that catalogue."""
    env = {k: v for k, v in os.environ.items() if k != "BSC_PATTERNS"}
    with tempfile.TemporaryDirectory(prefix="bsc-layout-") as tmp:
        bindir = os.path.join(tmp, "usr", "bin")
        pat = os.path.join(tmp, "usr", "share", "breachscope", "patterns")
        os.makedirs(bindir)
        shutil.copy(binary, bindir)
        shutil.copytree(os.path.join(root, "patterns"), pat,
                        ignore=shutil.ignore_patterns("meson.build"))
        exe = os.path.join(bindir, os.path.basename(binary))
        r = subprocess.run([exe, "rules", "list"], capture_output=True, text=True, env=env)
        check(r.returncode == 0 and "national_id" in r.stdout,
              f"installed layout: rules list works (exit {r.returncode})")
        # A broken catalogue next to the binary must be the one it reads.
        with open(os.path.join(pat, "zz-broken.yml"), "w") as f:
            f.write("rules: [\n")
        r = subprocess.run([exe, "rules", "list"], capture_output=True, text=True, env=env)
        check(r.returncode != 0 and "zz-broken.yml" in r.stderr,
              f"installed layout: the catalogue next to the binary is the one read "
              f"(exit {r.returncode}: {r.stderr.strip()[:120]})")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_packaging.py BINARY SOURCE_ROOT")
    binary, root = sys.argv[1], sys.argv[2]
    if not shutil.which("apt-cache") or not shutil.which("dpkg"):
        print("apt-cache or dpkg missing: not a Debian system, skipped")
        sys.exit(77)

    ins = instructions(os.path.join(root, "Dockerfile"))
    st = stages(ins)
    check(len(st) == 2, f"two stages ({len(st)})")
    check(all(s["image"] == "debian:12-slim" for s in st),
          "every stage FROM debian:12-slim")
    builder, runtime = st[0], st[-1]
    check(builder["name"] == "builder", "first stage is named builder")

    # Builder: Build-Depends from debian/control, then dpkg-buildpackage.
    b_runs = " && ".join(a for k, a in builder["ins"] if k == "RUN")
    check(any(k == "COPY" and "debian/control" in a for k, a in builder["ins"]),
          "builder copies debian/control before installing")
    check(re.search(r"apt-get build-dep\b.*-P nocheck \./", b_runs) is not None,
          "builder installs the Build-Depends (apt-get build-dep -P nocheck ./)")
    check("dpkg-buildpackage" in b_runs, "builder runs dpkg-buildpackage")

    # Runtime: only the .deb, non-root, /scan, the entry point.
    r_runs = [a for k, a in runtime["ins"] if k == "RUN"]
    r_pkgs = [p for a in r_runs for p in apt_installs(a)]
    check(r_pkgs == ["/tmp/breachscope.deb"],
          f"runtime installs only the built .deb ({r_pkgs})")
    copies = [a for k, a in runtime["ins"] if k == "COPY"]
    check(copies == ["--from=builder /out/breachscope.deb /tmp/breachscope.deb"],
          f"runtime copies only the .deb from the builder ({copies})")
    check(not any("-dev" in a or "gcc" in a or "build-essential" in a for a in r_runs),
          "no -dev package or compiler in the runtime stage")
    users = [a for k, a in runtime["ins"] if k == "USER"]
    check(len(users) == 1 and users[0].split(":")[0] not in ("root", "0"),
          f"runtime runs as a non-root user ({users})")
    check(("WORKDIR", "/scan") in runtime["ins"], "WORKDIR /scan")
    check(("ENTRYPOINT", '["breachscope"]') in runtime["ins"],
          'ENTRYPOINT ["breachscope"] (exec form)')
    check("/tmp/breachscope.deb" in " ".join(a for a in r_runs if "rm " in a),
          "the .deb is removed from the image")
    check(all("/var/lib/apt/lists" in a for a in r_runs + [b_runs] if "apt-get update" in a),
          "apt lists are removed in the layer that fetched them")

    ignore = open(os.path.join(root, ".dockerignore"), encoding="utf-8").read().split()
    check("build" in ignore and "build-*" in ignore and ".git" in ignore,
          ".dockerignore leaves out build directories and .git")

    # Every package the Dockerfile names exists in Debian 12.
    named = [p for k, a in ins if k == "RUN" for p in apt_installs(a)
             if not p.startswith("/")]
    linked = linked_packages(binary)
    known = apt_existing(set(named) | (set(linked.values()) - {""}))
    for p in named:
        check(p in known, f"Dockerfile package {p} exists (apt-cache show)")

    # One list of build dependencies: debian/control within scripts/setup.
    setup = setup_packages(root)
    bdeps = build_depends(root, profile_nocheck=False)
    for p in bdeps:
        if p.startswith("debhelper-compat"):
            continue
        check(p in setup, f"Build-Depends {p} is installed by scripts/setup")

    installed_layout(binary, root)

    # The runtime libraries: what the binary links to, from packages of
    # Debian 12 that the (non-test) Build-Depends pull in.
    build_only = [p for p in build_depends(root, profile_nocheck=True)
                  if p.endswith("-dev")]
    closure = set(build_only)
    frontier = set(build_only)
    for _ in range(2):
        nxt = apt_depends(frontier)
        frontier = nxt - closure
        closure |= nxt
    for so, pkg in sorted(linked.items()):
        # The sanitizer build (.ci/run) links the sanitizer runtimes; a
        # package is never built with them.
        if re.match(r"lib(asan|ubsan|lsan|tsan|clang_rt)", so):
            print(f"skip {so}: sanitizer runtime")
            continue
        check(pkg != "", f"{so}: owned by a package (dpkg -S)")
        if not pkg:
            continue
        check(not pkg.endswith("-dev"), f"{so}: {pkg} is a runtime package")
        check(pkg in known, f"{so}: {pkg} exists in the archive")
        check(pkg in closure or pkg == "libc6",
              f"{so}: {pkg} comes with the Build-Depends")

    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
