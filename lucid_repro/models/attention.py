"""Attention weights of a Vision Transformer's attention layers, computed by Keras itself.

A Keras `MultiHeadAttention` returns its weights when called with
`return_attention_scores=True`. `attention_scores` calls each named attention layer again,
inside the FeatureModel's own graph, on the very tensors its call there received (the
inbound node's arguments: query, value, key, masks), so the weights are the layer's own
(no re-implementation of the projections, scaling or softmax), and builds one probe model
image -> {layer: weights [B, heads, N_query, N_key]}.
"""
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.graph import producing_call
from lucid_repro.models.keras_model import TokenGrid, token_layout


class AttentionScores(tf.keras.layers.Layer):
    """The weights [B, heads, N_query, N_key] of one call of a Keras MultiHeadAttention
    (its own weights, shared). A wrapper rather than the layer itself: a Keras functional
    model takes a shared layer's output count from its first call, which returned one
    tensor, so a second call's (output, scores) pair could not be a model's output."""

    def __init__(self, attention, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self._attention = [attention]

    def call(self, query, value, key=None, **kwargs):
        kwargs.pop("return_attention_scores", None)
        return self._attention[0](query, value, key=key, return_attention_scores=True, **kwargs)[1]


def is_attention(layer):
    return isinstance(layer, tf.keras.layers.MultiHeadAttention)


def _call_of(model, layer):
    """(the attention layer, the KerasTensor it output) of `layer`'s call in the
    FeatureModel's graph (behind its TokenGrid when it is a token layer), or (op, None)."""
    tensor = model.keras_model.output[layer]
    op, inputs = producing_call(tensor)
    if isinstance(op, TokenGrid) and not op.class_token:
        tensor = inputs[0]
        op, _ = producing_call(tensor)
    return op, (tensor if is_attention(op) else None)


def attention_layers(model):
    """The model's attention layers (Keras MultiHeadAttention), in graph order."""
    if not hasattr(model.keras_model, "output") or not isinstance(model.keras_model.output, dict):
        return []
    return [name for name in model.layer_names if _call_of(model, name)[1] is not None]


def check_attention_layer(model, layer):
    """`layer` if it is an attention layer of `model`; else a UserError naming the ones it has."""
    model.check_layer(layer)
    op, tensor = _call_of(model, layer)
    if tensor is None:
        found = attention_layers(model)
        which = (f"its attention layers: {', '.join(found)}" if found
                 else "it has none (a Vision Transformer built with keras.layers.MultiHeadAttention has)")
        kind = type(op).__name__ if op is not None else "not a layer call"
        raise UserError(f"layer {layer} of {model.name} is a {kind}, not an attention layer "
                        f"(keras MultiHeadAttention); {which}")
    return layer


def token_grid(model, layer):
    """(prefix tokens, grid side) of an attention layer's queries: N = g*g patch tokens,
    after 1 class token when N = 1 + g*g; UserError when N is neither."""
    _, tensor = _call_of(model, check_attention_layer(model, layer))
    layout = token_layout(tensor)
    if layout is None:
        raise UserError(f"attention layer {layer} of {model.name} has {tuple(tensor.shape)[1:2]} tokens, not a "
                        "patch grid (g*g patches, or a class token and g*g patches): there is no image to show "
                        "its attention over")
    return layout


def attention_scores_model(model, layers):
    """A Keras model: images [B, H, W, C] in [0, 1] -> {layer: attention weights
    [B, heads, N_query, N_key]} (each row sums to 1), cached on the model."""
    layers = tuple(check_attention_layer(model, l) for l in layers)

    def build():
        outputs = {}
        for layer in layers:
            _, tensor = _call_of(model, layer)
            history = tensor._keras_history
            node = history[0]._inbound_nodes[history[1]]
            args, kwargs = node.arguments.args, dict(node.arguments.kwargs)
            outputs[layer] = AttentionScores(history[0], name=f"{layer}_scores".replace("/", "_"))(*args, **kwargs)
        return tf.keras.Model(model.keras_model.input, outputs, name=f"{model.name}_attention")
    return model.derived(("attention_scores", layers), build)


def attention_scores(model, images, layers):
    """{layer: numpy weights [B, heads, N_query, N_key]} of `images` [B, H, W, C] in [0, 1]."""
    out = attention_scores_model(model, layers)(tf.convert_to_tensor(images, tf.float32))
    return {k: v.numpy() for k, v in out.items()}
