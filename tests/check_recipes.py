#!/usr/bin/env python3
"""Runs the CI recipes of docs/ci/ against a built breachscope (issue 16).

Usage: check_recipes.py BINARY SOURCE_ROOT     (exit 0 ok, 1 failed)

What it runs, each in a scratch repository whose exports/ folder holds
synthetic fixtures (a clean one, or one with a patient table that links
identity and medical data), with BINARY on PATH as "breachscope":

- every fenced block of docs/ci/README.md tagged ```sh recipe=NAME, with
  its attributes: setup=clean|linked (the first block of a recipe makes its
  repository; later blocks of the same NAME continue in it), before=ACTION
  (rename-dated: patients.csv becomes patients_2025-04.csv; grow: that table
  gains 20 persons), exit=N (the expected exit code), files=A,B (reports the
  block must write), cwd=source (run in SOURCE_ROOT), git=yes (the
  repository is a git repository with its files staged);
  ```yaml recipe=pre-commit-config blocks name hooks that must exist;
- the sh step of docs/ci/Jenkinsfile;
- docs/ci/github-actions.yml: its job, with the breachscope step run through
  the composite action.yml (its run: steps with bash as GitHub runs them,
  ${{ inputs.* }} and ${{ steps.*.outputs.* }} substituted, the SARIF upload
  step replaced by a check of the file it would upload);
- docs/ci/gitlab-ci.yml: the breachscope job (extends resolved, variables
  exported, script lines in one shell with errexit), its artifacts checked.

There is no container daemon here, so "docker" is a stand-in: it checks the
command (build context with a Dockerfile; run with --network none, the
scanned tree mounted read-only on /scan, an image built or pulled before),
maps the mounts to host folders and runs BINARY with the same arguments in
the folder mounted on the working directory. The image itself is not built.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

failures = []


def check(ok, what, detail=""):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)
        if detail:
            print("     | " + "\n     | ".join(detail.rstrip().splitlines()[-25:]))


# ---- the stand-in docker ---------------------------------------------------

DOCKER_SHIM = r'''#!/usr/bin/env python3
# Stand-in for docker (tests/check_recipes.py): checks, then runs breachscope.
import os, subprocess, sys
binary = os.environ["BSC_RECIPE_BINARY"]
state = os.environ["BSC_RECIPE_STATE"]
def die(msg):
    sys.stderr.write("docker (stand-in): " + msg + "\n")
    sys.exit(125)
def images():
    try:
        return open(state).read().split()
    except FileNotFoundError:
        return []
a = sys.argv[1:]
if not a:
    die("no command")
cmd, a = a[0], a[1:]
if cmd == "build":
    tag, ctx, i = None, None, 0
    while i < len(a):
        if a[i] in ("-t", "--tag"):
            tag = a[i + 1]; i += 2
        elif a[i] in ("-q", "--quiet", "--pull", "--no-cache"):
            i += 1
        elif a[i].startswith("-"):
            die("unexpected build option " + a[i])
        else:
            ctx = a[i]; i += 1
    if not tag or not ctx or not os.path.isfile(os.path.join(ctx, "Dockerfile")):
        die("build needs -t TAG and a context with a Dockerfile")
    open(state, "a").write(tag + "\n")
    print("sha256:stand-in")
    sys.exit(0)
if cmd == "pull":
    img = [x for x in a if not x.startswith("-")]
    open(state, "a").write(img[0] + "\n")
    sys.exit(0)
if cmd != "run":
    die("unsupported command " + cmd)
mounts, network, workdir, i = {}, None, "/scan", 0
while i < len(a) and a[i].startswith("-"):
    o = a[i]
    if o in ("--rm", "-i", "-t", "--init"):
        i += 1
    elif o in ("--network", "--user", "-u", "-w", "--workdir", "-v", "--volume", "-e"):
        v = a[i + 1]; i += 2
        if o == "--network":
            network = v
        elif o in ("-w", "--workdir"):
            workdir = v
        elif o in ("-v", "--volume"):
            parts = v.split(":")
            if len(parts) < 2 or not os.path.isabs(parts[0]):
                die("mount needs HOST:CONTAINER with an absolute host path: " + v)
            mounts[parts[1]] = (parts[0], parts[2:] == ["ro"])
        elif o in ("--user", "-u") and not all(x.isdigit() for x in v.split(":")):
            die("--user should be numeric uid:gid: " + v)
    else:
        die("unexpected run option " + o)
image, args = a[i], a[i + 1:]
if image not in images():
    die("image %s was neither built nor pulled" % image)
if network != "none":
    die("breachscope needs no network: run with --network none")
if "/scan" not in mounts or not mounts["/scan"][1]:
    die("the scanned tree must be mounted read-only on /scan (-v DIR:/scan:ro)")
if workdir not in mounts:
    die("nothing mounted on the working directory " + workdir)
def host(p):
    for c in sorted(mounts, key=len, reverse=True):
        if p == c or p.startswith(c + "/"):
            return mounts[c][0] + p[len(c):]
    return p
mapped = []
for x in args:
    pre, sep, rest = x.partition(":")
    if sep and rest.startswith("/") and not pre.startswith("/"):
        mapped.append(pre + ":" + host(rest))
    else:
        mapped.append(host(x))
os.chdir(mounts[workdir][0])
sys.exit(subprocess.run([binary] + mapped).returncode)
'''


# ---- scratch repositories --------------------------------------------------

def grow_rows(n):
    first = ["Alice", "Bruno", "Chloe", "Damien", "Elise", "Fabien", "Gaelle", "Hugo",
             "Ines", "Jules"]
    last = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand",
            "Dubois", "Moreau", "Laurent"]
    rows = []
    for k in range(n):
        f, l = first[k % 10], last[(k * 3 + k // 10) % 10]
        rows.append(f"{l},{f},19{60 + k:02d}-0{1 + k % 9}-1{k % 10},{'MF'[k % 2]},"
                    f"06 1{k % 10} 2{k // 10} 3{k % 7} 4{k % 5},"
                    f"{f.lower()}.{l.lower()}{k}@example.org,I10,Ramipril 5 mg\n")
    return "".join(rows)


def make_repo(path, setup, root, git):
    fx = os.path.join(root, "fixtures", "csv")
    exports = os.path.join(path, "exports")
    os.makedirs(exports)
    shutil.copy(os.path.join(fx, "clean-stats.csv"), os.path.join(exports, "stats.csv"))
    shutil.copy(os.path.join(fx, "clean-inventory.csv"),
                os.path.join(exports, "inventory.csv"))
    if setup == "linked":
        shutil.copy(os.path.join(fx, "patients-en-comma.csv"),
                    os.path.join(exports, "patients.csv"))
    elif setup != "clean":
        raise SystemExit(f"unknown setup={setup}")
    if git:
        env = dict(os.environ, GIT_AUTHOR_NAME="r", GIT_AUTHOR_EMAIL="r@example.org",
                   GIT_COMMITTER_NAME="r", GIT_COMMITTER_EMAIL="r@example.org")
        subprocess.run(["git", "init", "-q", path], check=True, env=env)
        subprocess.run(["git", "-C", path, "add", "exports"], check=True, env=env)


def before(path, action):
    exports = os.path.join(path, "exports")
    if action == "rename-dated":
        os.rename(os.path.join(exports, "patients.csv"),
                  os.path.join(exports, "patients_2025-04.csv"))
    elif action == "grow":
        with open(os.path.join(exports, "patients_2025-04.csv"), "a") as f:
            f.write(grow_rows(20))
    else:
        raise SystemExit(f"unknown before={action}")


def check_report(path, what):
    """A report file exists and looks like its format."""
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        check(False, f"{what}: writes {os.path.basename(path)}")
        return
    text = open(path, encoding="utf-8", errors="replace").read()
    if path.endswith(".sarif"):
        try:
            ok = json.loads(text).get("version") == "2.1.0"
        except ValueError:
            ok = False
        check(ok, f"{what}: {os.path.basename(path)} is SARIF 2.1.0")
    elif path.endswith(".xml"):
        check("<testsuites" in text, f"{what}: {os.path.basename(path)} is JUnit XML")
    elif path.endswith(".json"):
        try:
            json.loads(text)
            ok = True
        except ValueError:
            ok = False
        check(ok, f"{what}: {os.path.basename(path)} is JSON")
    else:
        check(True, f"{what}: writes {os.path.basename(path)}")


class Runner:
    def __init__(self, binary, root, tmp):
        self.binary, self.root, self.tmp = binary, root, tmp
        self.bindir = os.path.join(tmp, "bin")
        os.makedirs(self.bindir)
        os.symlink(binary, os.path.join(self.bindir, "breachscope"))
        shim = os.path.join(self.bindir, "docker")
        with open(shim, "w") as f:
            f.write(DOCKER_SHIM)
        os.chmod(shim, 0o755)
        self.home = os.path.join(tmp, "home")
        os.makedirs(self.home)
        self.env = dict(os.environ, PATH=self.bindir + os.pathsep + os.environ["PATH"],
                        HOME=self.home, NO_COLOR="1", BSC_RECIPE_BINARY=binary,
                        BSC_RECIPE_STATE=os.path.join(tmp, "docker-images"))
        for k in list(self.env):
            if k.startswith(("GITHUB_", "RUNNER_", "CI_")):
                del self.env[k]

    def run(self, argv, cwd, env=None, stdin=None):
        r = subprocess.run(argv, cwd=cwd, env=env or self.env, input=stdin,
                           capture_output=True, text=True, timeout=300)
        return r.returncode, r.stdout + r.stderr


# ---- docs/ci/README.md and the Jenkinsfile ----------------------------------

BLOCK = re.compile(r"^```(\w+) ([^\n]*\brecipe=[^\n]*)\n(.*?)^```", re.M | re.S)


def attrs_of(info):
    return dict(kv.split("=", 1) for kv in info.split() if "=" in kv)


def run_markdown(rn, root):
    text = open(os.path.join(root, "docs", "ci", "README.md"), encoding="utf-8").read()
    repos = {}
    blocks = BLOCK.findall(text)
    check(len(blocks) >= 8, f"docs/ci/README.md: {len(blocks)} recipe blocks (sanity)")
    hooks = {h["id"] for h in yaml.safe_load(
        open(os.path.join(root, ".pre-commit-hooks.yaml"), encoding="utf-8"))}
    for lang, info, body in blocks:
        at = attrs_of(info)
        name = at["recipe"]
        if lang == "yaml":
            cfg = yaml.safe_load(body)
            ids = [h["id"] for r in cfg["repos"] for h in r["hooks"]]
            check(ids and all(i in hooks for i in ids),
                  f"recipe {name}: hooks {ids} exist in .pre-commit-hooks.yaml")
            continue
        if at.get("cwd") == "source":
            cwd = root
        else:
            if name not in repos:
                repos[name] = os.path.join(rn.tmp, "md-" + name)
                make_repo(repos[name], at.get("setup", "linked"), root,
                          at.get("git") == "yes")
            cwd = repos[name]
            if "before" in at:
                before(cwd, at["before"])
        rc, out = rn.run(["sh", "-e", "-c", body], cwd)
        label = f"recipe {name}" + (f" ({at['before']})" if "before" in at else "")
        check(rc == int(at.get("exit", "0")),
              f"{label}: exit {rc}, expected {at.get('exit', '0')}", out)
        for f in filter(None, at.get("files", "").split(",")):
            check_report(os.path.join(cwd, f), label)


def run_jenkins(rn, root):
    text = open(os.path.join(root, "docs", "ci", "Jenkinsfile"), encoding="utf-8").read()
    m = re.search(r"sh '''\n(.*?)'''", text, re.S)
    check(m is not None, "Jenkinsfile: one sh ''' step")
    if not m:
        return
    cwd = os.path.join(rn.tmp, "jenkins")
    make_repo(cwd, "linked", root, False)
    rc, out = rn.run(["sh", "-xe", "-c", m.group(1)], cwd)   # as Jenkins' sh runs it
    check(rc == 1, f"Jenkinsfile: exit {rc}, expected 1", out)
    junit = re.search(r"testResults: '([^']+)'", text).group(1)
    check_report(os.path.join(cwd, junit), "Jenkinsfile")


# ---- GitHub Actions ---------------------------------------------------------

def gh_expr(s, ctx):
    """${{ inputs.x }} and ${{ steps.a.outputs.b }} in s, substituted."""
    def sub(m):
        e = m.group(1).strip()
        if e.startswith("inputs."):
            return ctx["inputs"].get(e[7:], "")
        m2 = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", e)
        if m2:
            return ctx["steps"].get(m2.group(1), {}).get(m2.group(2), "")
        raise SystemExit(f"expression not emulated: {e}")
    return re.sub(r"\$\{\{(.*?)\}\}", sub, str(s))


def gh_if(cond, ctx, failed):
    """The step's if: condition, for the expressions the action uses."""
    if cond is None:
        return not failed
    e = str(cond).strip()
    if e.startswith("${{"):
        e = e[3:-2]
    e = re.sub(r"always\(\)", "True", e)
    e = re.sub(r"success\(\)", str(not failed), e)
    e = re.sub(r"failure\(\)", str(failed), e)
    e = re.sub(r"inputs\.([\w-]+)", lambda m: repr(ctx["inputs"].get(m.group(1), "")), e)
    e = re.sub(r"steps\.([\w-]+)\.outputs\.([\w-]+)",
               lambda m: repr(ctx["steps"].get(m.group(1), {}).get(m.group(2), "")), e)
    e = e.replace("&&", " and ").replace("||", " or ").replace("!=", " != ")
    ok = bool(eval(e, {"__builtins__": {}}, {"True": True, "False": False}))
    return ok if "always()" in str(cond) or "failure()" in str(cond) else ok and not failed


def run_action(rn, root, inputs_given, workspace):
    """The composite action.yml as GitHub runs it; returns its exit status."""
    action = yaml.safe_load(open(os.path.join(root, "action.yml"), encoding="utf-8"))
    inputs = {}
    for k, spec in action["inputs"].items():
        if k in inputs_given:
            inputs[k] = str(inputs_given[k])
        elif spec.get("required"):
            check(False, f"action: required input {k} given")
            return 1
        else:
            inputs[k] = str(spec.get("default", ""))
    ctx = {"inputs": inputs, "steps": {}}
    runner_temp = os.path.join(rn.tmp, "runner-temp")
    os.makedirs(runner_temp, exist_ok=True)
    status, uploaded = 0, None
    for i, step in enumerate(action["runs"]["steps"]):
        if not gh_if(step.get("if"), ctx, status != 0):
            continue
        if "uses" in step:
            check(step["uses"].startswith("github/codeql-action/upload-sarif@"),
                  f"action: only the SARIF upload is a uses: step ({step['uses']})")
            uploaded = gh_expr(step["with"]["sarif_file"], ctx)
            continue
        out_file = os.path.join(rn.tmp, f"gh-output-{i}")
        open(out_file, "w").close()
        env = dict(rn.env, GITHUB_ACTIONS="true", GITHUB_ACTION_PATH=root,
                   GITHUB_WORKSPACE=workspace, GITHUB_OUTPUT=out_file,
                   RUNNER_TEMP=runner_temp)
        for k, v in (step.get("env") or {}).items():
            env[k] = gh_expr(v, ctx)
        script = os.path.join(rn.tmp, f"gh-step-{i}.sh")
        with open(script, "w") as f:
            f.write(gh_expr(step["run"], ctx))
        rc, out = rn.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                         workspace, env)
        print(f"     action step '{step.get('name')}': exit {rc}")
        if rc and not status:
            status = rc
            last_out = out
        outs = dict(line.split("=", 1) for line in open(out_file).read().splitlines()
                    if "=" in line)
        if "id" in step:
            ctx["steps"][step["id"]] = outs
    return status, uploaded, ctx


def run_github(rn, root, setup, expect):
    wf = yaml.safe_load(open(os.path.join(root, "docs", "ci", "github-actions.yml"),
                             encoding="utf-8"))
    perms = wf.get("permissions", {})
    check(perms.get("security-events") == "write",
          "github-actions.yml: security-events: write (SARIF upload)")
    ws = os.path.join(rn.tmp, "gh-" + setup)
    make_repo(ws, setup, root, False)
    (job,) = wf["jobs"].values()
    status, uploaded = 0, None
    for step in job["steps"]:
        uses = step.get("uses", "")
        if uses.startswith("actions/checkout@"):
            continue
        if re.fullmatch(r"[\w.-]+/breachscope@[\w.-]+", uses):
            status, uploaded, ctx = run_action(rn, root, step.get("with") or {}, ws)
            break
        check(False, f"github-actions.yml: step not emulated: {step}")
    check(status == expect, f"GitHub workflow ({setup}): job exit {status}, expected {expect}")
    check(uploaded is not None, f"GitHub workflow ({setup}): the SARIF upload step runs")
    if uploaded:
        check(not uploaded.startswith(ws + "/exports"),
              f"GitHub workflow ({setup}): SARIF written outside the scanned folder")
        check_report(uploaded, f"GitHub workflow ({setup})")
        if setup == "linked":
            sarif = json.load(open(uploaded))
            uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
                    for r in sarif["runs"][0].get("results", [])
                    for loc in r.get("locations", [])}
            check(any(u.endswith("exports/patients.csv") and not u.startswith("/")
                      for u in uris),
                  f"GitHub workflow: results point at exports/patients.csv, relative ({sorted(uris)[:3]})")


# ---- GitLab CI ---------------------------------------------------------------

def gitlab_job(doc, name):
    job = dict(doc[name])
    while "extends" in job:
        base = dict(doc[job.pop("extends")])
        variables = dict(base.get("variables", {}), **job.get("variables", {}))
        base.update(job)
        base["variables"] = variables
        job = base
    return job


def run_gitlab(rn, root, setup, expect):
    doc = yaml.safe_load(open(os.path.join(root, "docs", "ci", "gitlab-ci.yml"),
                              encoding="utf-8"))
    job = gitlab_job(doc, "breachscope")
    check(job["image"].get("entrypoint") == [""],
          "gitlab-ci.yml: entrypoint overridden (the image's is breachscope)")
    ws = os.path.join(rn.tmp, "gl-" + setup)
    make_repo(ws, setup, root, False)
    # What the including project sets (docs/ci/README.md, GitLab CI).
    variables = dict(job.get("variables", {}), BREACHSCOPE_PATHS="exports/")
    env = dict(rn.env, CI="true", CI_PROJECT_DIR=ws,
               **{k: str(v) for k, v in variables.items()})
    script = "set -eo pipefail\n" + "\n".join(
        job.get("before_script", []) + job["script"]) + "\n"
    rc, out = rn.run(["bash", "-c", script], ws, env)
    check(rc == expect, f"GitLab job ({setup}): exit {rc}, expected {expect}", out)
    art = job["artifacts"]
    check(art.get("when") == "always", "gitlab-ci.yml: artifacts kept when the job fails")
    check_report(os.path.join(ws, art["reports"]["junit"]), f"GitLab job ({setup})")
    for p in art.get("paths", []):
        check(os.path.exists(os.path.join(ws, p)), f"GitLab job ({setup}): artifact {p}")
    reports = os.path.join(ws, "breachscope-reports")
    for f in sorted(os.listdir(reports)) if os.path.isdir(reports) else []:
        check_report(os.path.join(reports, f), f"GitLab job ({setup})")
    # Without BREACHSCOPE_PATHS the job stops with a message, exit 3.
    env.pop("BREACHSCOPE_PATHS")
    env["BREACHSCOPE_PATHS"] = ""
    rc, out = rn.run(["bash", "-c", script], ws, env)
    check(rc == 3 and "BREACHSCOPE_PATHS" in out,
          f"GitLab job: no BREACHSCOPE_PATHS stops it (exit {rc})", out)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_recipes.py BINARY SOURCE_ROOT")
    binary, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="bsc-recipes-") as tmp:
        rn = Runner(binary, root, tmp)
        run_markdown(rn, root)
        run_jenkins(rn, root)
        run_github(rn, root, "linked", 1)
        run_github(rn, root, "clean", 0)
        run_gitlab(rn, root, "linked", 1)
        run_gitlab(rn, root, "clean", 0)
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
