"""Reading a Keras functional graph: which layer call made a tensor. Shared by the
FeatureModel (`base.upstream_layers`), the channel slice (`slicing`) and the attention
probe (`attention`), so none of them imports another for it."""


def producing_call(tensor):
    """(the layer whose call made the KerasTensor `tensor`, that call's input tensors) in the
    graph `tensor` belongs to, or (None, ()). A layer shared by several models (a user's
    model inside its FeatureModel wrapper) has one call per graph; `layer.input` is only
    the first's."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return None, ()
    op, node_index = history[0], history[1]
    return op, tuple(op._inbound_nodes[node_index].input_tensors)
