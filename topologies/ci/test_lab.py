# test_lab.py - tests that use the lab of conftest.py.
FETCH = "import sys, urllib.request as u; print(u.urlopen(sys.argv[1]).status)"


def test_server_answers_ipv4(lab):
    r = lab("client", "python3", "-c", FETCH, "http://10.0.0.1:8080/")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "200"


def test_server_answers_ipv6(lab):
    r = lab("client", "python3", "-c", FETCH, "http://[fd00::1]:8080/")
    assert r.stdout.strip() == "200", r.stderr


def test_client_is_in_its_own_namespace(lab):
    r = lab("client", "ip", "-br", "addr", "show", "eth0")
    assert "10.0.0.2/24" in r.stdout
