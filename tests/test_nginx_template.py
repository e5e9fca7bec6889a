"""The one nginx template: rendered completely, and accepted by nginx itself."""

import shutil
import subprocess

import pytest

from stack import binaries, nginx


def render(tmp_path, **extra):
    values = dict(
        listen="127.0.0.1:8080", memcached="127.0.0.1:11211", app="127.0.0.1:8000", waitroom="127.0.0.1:8001"
    )
    values.update(extra)
    return nginx.render(run_dir=tmp_path, log_dir=tmp_path, **values)


def test_every_placeholder_is_filled(tmp_path):
    text = render(tmp_path)
    assert "{{" not in text
    assert "server 127.0.0.1:11211 weight=8 max_fails=0;" in text


def test_a_pool_is_read_on_nginx_consistent_hash_ring(tmp_path):
    text = render(tmp_path, memcached="127.0.0.1:11211,127.0.0.1:11212")
    upstream = text.split("upstream memcached {", 1)[1].split("}", 1)[0]
    assert [line.strip() for line in upstream.strip().splitlines() if not line.strip().startswith("#")] == [
        "hash $page_key consistent;",
        "server 127.0.0.1:11211 weight=8 max_fails=0;",
        "server 127.0.0.1:11212 weight=8 max_fails=0;",
        "keepalive 32;",
    ]
    assert "set_md5 $page_key $host$request_uri;" in text


def test_missing_value_is_an_error():
    with pytest.raises(KeyError, match="listen"):
        nginx.substitute("listen {{listen}};")


@pytest.mark.skipif(not shutil.which("nginx", path="/usr/sbin:/usr/bin"), reason="nginx-light not installed")
def test_nginx_accepts_the_rendered_config(tmp_path):
    program = binaries.find("nginx")
    config = tmp_path / "nginx.conf"
    config.write_text(render(tmp_path, modules=binaries.nginx_modules(program)))
    result = subprocess.run(
        [program, "-t", "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
