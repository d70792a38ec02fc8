"""SequentialGraphRunner gives what Rasa's DaskGraphRunner gives, calling each needed node once.

A small hand-built graph of toy components (constants, sums, a node that fails)
stands in for a model's graphs; the real ones run in the story and integration tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

pytest.importorskip("rasa")

import rasa.core.processor  # noqa: E402
from rasa.engine.exceptions import GraphComponentException, GraphRunError  # noqa: E402
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode  # noqa: E402
from rasa.engine.runner.dask import DaskGraphRunner  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.engine.storage.storage import ModelStorage  # noqa: E402

from bot.graph_runner import SequentialGraphRunner, install_sequential_graph_runner  # noqa: E402

CALLS: List[str] = []


class Node(GraphComponent):
    """Returns its configured constant plus the sum of its inputs, and records the call."""

    def __init__(self, config: Dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Node:
        return cls(config)

    def run(self, **parents: Any) -> int:
        CALLS.append(self.config["name"])
        if self.config.get("fail"):
            raise ValueError("this node fails")
        return self.config.get("value", 0) + sum(parents.values())


def node(name: str, value: int = 0, fail: bool = False, **needs: str) -> SchemaNode:
    return SchemaNode(
        needs=needs,
        uses=Node,
        fn="run",
        constructor_name="create",
        config={"name": name, "value": value, "fail": fail},
        eager=True,
    )


# a → b → d ← c ← __input__;  e ← d;  f unused by e;  broken ← a
SCHEMA = GraphSchema(
    {
        "a": node("a", 1),
        "b": node("b", 10, x="a"),
        "c": node("c", 100, x="__input__"),
        "d": node("d", 1000, x="b", y="c"),
        "e": node("e", 0, x="d"),
        "f": node("f", 7, x="a"),
        "broken": node("broken", fail=True, x="a"),
    }
)
SCHEMA.nodes["e"].is_target = True


def runners(tmp_path: Path) -> Dict[str, Any]:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(SCHEMA, "test")
    return {
        "dask": DaskGraphRunner(SCHEMA, storage, context),
        "sequential": SequentialGraphRunner(SCHEMA, storage, context),
    }


def run_both(
    tmp_path: Path, inputs: Optional[Dict[str, Any]], targets: Optional[List[str]]
) -> Dict[str, Any]:
    results = {}
    for name, runner in runners(tmp_path).items():
        CALLS.clear()
        results[name] = (runner.run(inputs=dict(inputs) if inputs else None, targets=targets), sorted(CALLS))
    return results


@pytest.mark.parametrize(
    ("inputs", "targets"),
    [
        ({"__input__": 5}, ["e"]),
        ({"__input__": 5}, ["d", "f", "a"]),
        (None, ["b"]),
        ({"__input__": 5}, None),  # the schema's targets
    ],
)
def test_the_same_outputs_and_the_same_nodes_run_as_with_dask(
    tmp_path: Path, inputs: Optional[Dict[str, Any]], targets: Optional[List[str]]
) -> None:
    results = run_both(tmp_path, inputs, targets)
    assert results["sequential"] == results["dask"]


def test_an_input_replaces_a_node_and_its_parents_are_not_run(tmp_path: Path) -> None:
    """Dask also runs the replaced node's parents ("a" here), for nothing; Rasa never replaces
    nodes at inference (its inputs are the message and the tracker placeholders)."""
    results = run_both(tmp_path, {"b": 20, "__input__": 0}, ["d"])
    assert results["sequential"][0] == results["dask"][0] == {"d": 1120}
    assert results["sequential"][1] == ["c", "d"]


def test_outputs_are_computed_once_each_parents_first(tmp_path: Path) -> None:
    runner = runners(tmp_path)["sequential"]
    for _ in range(3):  # the plan is cached: the same order every time
        CALLS.clear()
        result = runner.run(inputs={"__input__": 5}, targets=["e", "d"])
        assert result == {"e": 1116, "d": 1116}
        assert CALLS.index("a") < CALLS.index("b") < CALLS.index("d") < CALLS.index("e")
        assert CALLS.index("c") < CALLS.index("d")
        assert sorted(CALLS) == ["a", "b", "c", "d", "e"]


def test_a_missing_input_reaches_the_node_as_unresolved_as_with_dask(tmp_path: Path) -> None:
    for runner in runners(tmp_path).values():
        with pytest.raises(GraphRunError, match="Missing input"):
            runner.run(targets=["c"])


def test_a_failing_component_raises_what_rasa_raises(tmp_path: Path) -> None:
    for runner in runners(tmp_path).values():
        with pytest.raises(GraphComponentException) as raised:
            runner.run(targets=["broken"])
        assert isinstance(raised.value.__cause__, ValueError)


def test_an_input_value_that_names_a_node_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GraphRunError, match="clashes"):
        runners(tmp_path)["sequential"].run(inputs={"__input__": "a"}, targets=["c"])


def test_an_unknown_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GraphRunError, match="neither a node"):
        runners(tmp_path)["sequential"].run(targets=["nowhere"])


def test_installing_makes_the_rasa_server_load_models_with_it() -> None:
    install_sequential_graph_runner()
    install_sequential_graph_runner()  # idempotent
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
