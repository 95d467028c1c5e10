"""pytest fixtures: one glued for the whole session, reset before every test.

`glue` is parametrized over the two reset paths, so each test runs once after POST /_glued/reset and once after
moto's POST /moto-api/reset."""

import pytest

from glued_server import GluedServer


@pytest.fixture(scope="session")
def glued_server():
    server = GluedServer().start()
    yield server
    assert server.stop() == 0, "glued did not stop cleanly"


@pytest.fixture(params=["/_glued/reset", "/moto-api/reset"])
def glue(glued_server, request):
    glued_server.reset(request.param)
    return glued_server.client()
