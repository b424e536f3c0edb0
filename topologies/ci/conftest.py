# conftest.py - a pytest fixture for the lab in lab.yaml.  Under
# `nstopo run [--isolated] lab.yaml -- python3 -m pytest` it uses that
# run's lab; else it applies the lab itself, under a prefix of its own
# (so that jobs running at once on one machine do not collide), and
# destroys it at the end of the session.
import os, subprocess, uuid
import pytest

LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lab.yaml")


@pytest.fixture(scope="session")
def lab():
    env, own = dict(os.environ), "NSTOPO_LAB" not in os.environ
    if own:
        env["NSTOPO_PREFIX"] = "t" + uuid.uuid4().hex[:8]
        subprocess.run(["nstopo", "apply", "-q", LAB], env=env, check=True)

    def run(node, *cmd):
        return subprocess.run(["nstopo", "exec", node, "--", *cmd], env=env,
                              capture_output=True, text=True)

    yield run
    if own:
        subprocess.run(["nstopo", "destroy", "-q", "--kill", LAB], env=env,
                       check=True)
