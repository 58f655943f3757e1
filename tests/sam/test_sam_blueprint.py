"""The sam-orders-api blueprint does what the README's walk-through shows."""

from __future__ import annotations

import requests

from console import catalog
from console.sam.functions import load_project
from console.service.http_server import HttpApiServer


def test_the_blueprint_serves_both_routes_as_the_readme_says():
    blueprint = catalog.get_blueprint("sam-orders-api")
    assert blueprint.kind == "sam-project"
    project = load_project(blueprint.path / "template.yaml")
    assert [f.logical_id for f in project.runnable()] == ["OrdersFunction", "GreetFunction"]
    assert project.problems == []
    with HttpApiServer(lambda: project, port=0, log=lambda line: None) as server:
        server.start()
        order = requests.get(f"{server.url}/orders/1001", params=[("fields", "item"), ("fields", "price")], timeout=30)
        assert order.status_code == 200
        assert order.json() == {"order": {"orderId": "1001", "item": "coffee beans", "price": 18.5}, "currency": "EUR"}
        assert order.headers["X-Order-Source"] == "local, dev"
        assert requests.get(f"{server.url}/orders/9", timeout=30).status_code == 404
        greet = requests.get(f"{server.url}/greet", params={"name": "Ana"}, timeout=30)
        assert greet.json() == {"message": "Hello from the dev stage in us-east-1, Ana!"}
        again = requests.get(f"{server.url}/greet", cookies={"visits": "2"}, timeout=30)
        assert again.json()["visits"] == 3 and again.cookies["visits"] == "3"
        assert requests.post(f"{server.url}/greet", timeout=30).status_code == 404  # GET only
