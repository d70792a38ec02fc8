"""Rasa's prediction graphs run in a fixed, precomputed order instead of through dask.

Why: at inference Rasa runs a graph per message (the NLU pipeline) and another per
action prediction (the policies, two or more per message) with `dask.get`, which
orders the graph's tasks anew on every call. On a production Rasa server under load
that bookkeeping was 8.6 % of the event loop's time (`dask.order` alone 6.2 %; py-spy,
20 conversations, 2026-12-03) and 5 % of the parse thread's, for graphs of fifteen
to thirty nodes whose order never changes.

`SequentialGraphRunner` computes, once per set of targets and inputs, the nodes the
targets need in dependency order, and then calls them one after another with their
parents' outputs, as dask's synchronous scheduler did: the same `GraphNode` calls,
hooks and errors, only without the scheduler. Training keeps Rasa's `DaskGraphRunner`.
Installed with the channels (`bot/channels/__init__.py`), before Rasa loads the model.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple

import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphNode, GraphNodeHook, GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.storage import ModelStorage

# One step of a plan: the node's name, the node, and the names of its parents in the
# order of its `needs` (the order in which dask passed their outputs).
Step = Tuple[str, GraphNode, Tuple[str, ...]]


class SequentialGraphRunner(DaskGraphRunner):
    """A `GraphRunner` that calls the needed nodes in a cached dependency order."""

    def __init__(
        self,
        graph_schema: GraphSchema,
        model_storage: ModelStorage,
        execution_context: ExecutionContext,
        hooks: Optional[List[GraphNodeHook]] = None,
    ) -> None:
        super().__init__(graph_schema, model_storage, execution_context, hooks)
        self._plans: Dict[Tuple[Tuple[str, ...], FrozenSet[str]], List[Step]] = {}

    def run(
        self,
        inputs: Optional[Dict[str, Any]] = None,
        targets: Optional[List[str]] = None,
    ) -> Dict[str, Any]:
        """Runs the graph (see Rasa's `GraphRunner.run`); the same results as `DaskGraphRunner.run`."""
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        inputs = inputs or {}
        for value in inputs.values():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the "
                    f"input names passed to the `run` method are the same as node names in the graph schema."
                )
        # As in Rasa's runner, an input is a ready output: (its name, its value).
        outputs: Dict[str, Any] = {name: (name, value) for name, value in inputs.items()}
        try:
            for name, node, parents in self._plan(run_targets, frozenset(inputs)):
                # A parent that is neither a node nor an input reaches the node as its bare
                # name, which GraphNode reports as unresolved (dask passed it the same way).
                outputs[name] = node(*(outputs.get(parent, parent) for parent in parents))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(outputs[target] for target in run_targets)

    def _plan(self, targets: Tuple[str, ...], inputs: FrozenSet[str]) -> List[Step]:
        """The nodes `targets` need that `inputs` do not replace, parents first (cached)."""
        key = (targets, inputs)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._order(targets, inputs)
        return plan

    def _order(self, targets: Tuple[str, ...], inputs: FrozenSet[str]) -> List[Step]:
        nodes = self._graph_schema.nodes
        plan: List[Step] = []
        placed: Set[str] = set()

        def place(name: str) -> None:
            if name in placed or name in inputs or name not in nodes:
                return
            placed.add(name)  # before the parents: the schema is acyclic, Rasa validates it
            parents = tuple(nodes[name].needs.values())
            for parent in parents:
                place(parent)
            plan.append((name, self._instantiated_nodes[name], parents))

        for target in targets:
            if target not in nodes and target not in inputs:
                raise GraphRunError(f"Target '{target}' is neither a node of the graph nor an input.")
            place(target)
        return plan


_INSTALLED_FLAG = "_northwind_sequential_graph_runner_installed"


def install_sequential_graph_runner() -> None:
    """Make the Rasa server load its models with `SequentialGraphRunner` (idempotent)."""
    if getattr(rasa.core.processor, _INSTALLED_FLAG, False):
        return
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
    setattr(rasa.core.processor, _INSTALLED_FLAG, True)
